package kvemu

import (
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
)

type armValueList[T any] struct {
	Value []T `json:"value"`
}

// armSubscriptionJSON is a subscription as the Subscriptions API returns
// it (GET /subscriptions?api-version=2022-12-01).
type armSubscriptionJSON struct {
	ID                   string            `json:"id"`
	SubscriptionID       string            `json:"subscriptionId"`
	TenantID             string            `json:"tenantId"`
	DisplayName          string            `json:"displayName"`
	State                string            `json:"state"`
	SubscriptionPolicies map[string]string `json:"subscriptionPolicies"`
	AuthorizationSource  string            `json:"authorizationSource"`
}

func subscriptionJSON(s *subscription) armSubscriptionJSON {
	return armSubscriptionJSON{
		ID: "/subscriptions/" + s.ID, SubscriptionID: s.ID, TenantID: s.TenantID, DisplayName: s.DisplayName, State: "Enabled",
		SubscriptionPolicies: map[string]string{"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01", "spendingLimit": "Off"},
		AuthorizationSource:  "RoleBased",
	}
}

// listSubscriptions lists the subscriptions of the caller's tenant.
func (a *armRequest) listSubscriptions() (int, any, *apiError) {
	if a.r.Method != http.MethodGet {
		return 0, nil, errMethod(a.r.Method)
	}
	a.e.mu.RLock()
	defer a.e.mu.RUnlock()
	out := armValueList[armSubscriptionJSON]{Value: []armSubscriptionJSON{}}
	for _, s := range a.e.subs {
		if strings.EqualFold(s.TenantID, a.claims.TID) {
			out.Value = append(out.Value, subscriptionJSON(s))
		}
	}
	slices.SortFunc(out.Value, func(x, y armSubscriptionJSON) int { return strings.Compare(x.SubscriptionID, y.SubscriptionID) })
	return http.StatusOK, out, nil
}

func (a *armRequest) getSubscription(s *subscription) (int, any, *apiError) {
	if a.r.Method != http.MethodGet {
		return 0, nil, errMethod(a.r.Method)
	}
	a.e.mu.RLock()
	defer a.e.mu.RUnlock()
	return http.StatusOK, subscriptionJSON(s), nil
}

type armResourceGroupJSON struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Type       string            `json:"type"`
	Location   string            `json:"location"`
	Tags       map[string]string `json:"tags,omitempty"`
	Properties map[string]string `json:"properties"`
}

func rgJSON(s *subscription, rg *resourceGroup) armResourceGroupJSON {
	return armResourceGroupJSON{
		ID: "/subscriptions/" + s.ID + "/resourceGroups/" + rg.name, Name: rg.name, Type: "Microsoft.Resources/resourceGroups",
		Location: rg.location, Tags: maps.Clone(rg.tags), Properties: map[string]string{"provisioningState": "Succeeded"},
	}
}

func (a *armRequest) listResourceGroups(s *subscription) (int, any, *apiError) {
	if a.r.Method != http.MethodGet {
		return 0, nil, errMethod(a.r.Method)
	}
	a.e.mu.RLock()
	defer a.e.mu.RUnlock()
	out := armValueList[armResourceGroupJSON]{Value: []armResourceGroupJSON{}}
	for _, rg := range s.groups {
		out.Value = append(out.Value, rgJSON(s, rg))
	}
	slices.SortFunc(out.Value, func(x, y armResourceGroupJSON) int {
		return strings.Compare(strings.ToLower(x.Name), strings.ToLower(y.Name))
	})
	return http.StatusOK, out, nil
}

// resourceGroup gets or creates (PUT) a resource group.
func (a *armRequest) resourceGroup(s *subscription, name string) (int, any, *apiError) {
	switch a.r.Method {
	case http.MethodGet:
		a.e.mu.RLock()
		defer a.e.mu.RUnlock()
		rg := s.groups[strings.ToLower(name)]
		if rg == nil {
			return 0, nil, armNotFound("ResourceGroup", name)
		}
		return http.StatusOK, rgJSON(s, rg), nil
	case http.MethodPut:
		var body struct {
			Location string            `json:"location"`
			Tags     map[string]string `json:"tags"`
		}
		if aerr := decodeARM(a.body, &body); aerr != nil {
			return 0, nil, aerr
		}
		if !rgNameRE.MatchString(name) || body.Location == "" {
			return 0, nil, &apiError{status: http.StatusBadRequest, code: "InvalidResourceGroup", message: "The resource group name or location is invalid."}
		}
		a.e.mu.Lock()
		rg := s.groups[strings.ToLower(name)]
		status := http.StatusOK
		if rg == nil {
			rg = &resourceGroup{name: name, location: strings.ToLower(body.Location)}
			s.groups[strings.ToLower(name)] = rg
			status = http.StatusCreated
		}
		rg.tags = cloneTags(body.Tags)
		out := rgJSON(s, rg)
		a.e.mu.Unlock()
		a.activity(s, out.ID, "Microsoft.Resources/subscriptions/resourceGroups/write", status)
		return status, out, nil
	}
	return 0, nil, errMethod(a.r.Method)
}

// armGenericResourceJSON is a resource as the Resources list returns it.
type armGenericResourceJSON struct {
	ID       string            `json:"id"`
	Name     string            `json:"name"`
	Type     string            `json:"type"`
	Location string            `json:"location"`
	Tags     map[string]string `json:"tags,omitempty"`
}

var resourceTypeFilterRE = regexp.MustCompile(`(?i)^\s*resourceType\s+eq\s+'([^']+)'\s*$`)

// listResources lists a subscription's (or resource group's) resources,
// the vaults. It understands the one $filter armkeyvault sends
// ("resourceType eq 'Microsoft.KeyVault/vaults'") and $top.
func (a *armRequest) listResources(s *subscription, rg string) (int, any, *apiError) {
	if a.r.Method != http.MethodGet {
		return 0, nil, errMethod(a.r.Method)
	}
	q := a.r.URL.Query()
	if f := q.Get("$filter"); f != "" {
		m := resourceTypeFilterRE.FindStringSubmatch(f)
		if m == nil {
			return 0, nil, &apiError{status: http.StatusBadRequest, code: "InvalidFilter", message: "The emulator supports only $filter=resourceType eq '<type>'."}
		}
		if !strings.EqualFold(m[1], "Microsoft.KeyVault/vaults") {
			return http.StatusOK, armValueList[armGenericResourceJSON]{Value: []armGenericResourceJSON{}}, nil
		}
	}
	var items []armGenericResourceJSON
	for _, v := range a.e.allVaults() {
		v.mu.Lock()
		if strings.EqualFold(v.sub, s.ID) && (rg == "" || strings.EqualFold(v.rg, rg)) {
			items = append(items, armGenericResourceJSON{ID: v.id(), Name: v.name, Type: "Microsoft.KeyVault/vaults", Location: v.location, Tags: maps.Clone(v.tags)})
		}
		v.mu.Unlock()
	}
	p, aerr := pageARM(a, items, func(r armGenericResourceJSON) string { return strings.ToLower(r.Name) })
	if aerr != nil {
		return 0, nil, aerr
	}
	return http.StatusOK, p, nil
}

// armTagsJSON is the Microsoft.Resources/tags/default resource.
type armTagsJSON struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Type       string `json:"type"`
	Properties struct {
		Tags map[string]string `json:"tags"`
	} `json:"properties"`
}

// tagsAtScope serves the Tags API at a vault's scope: GET, PUT (replace)
// and PATCH with operation Merge, Replace or Delete.
func (a *armRequest) tagsAtScope(scope []string) (int, any, *apiError) {
	if len(scope) != 8 || !strings.EqualFold(scope[0], "subscriptions") || !strings.EqualFold(scope[5], "Microsoft.KeyVault") || !strings.EqualFold(scope[6], "vaults") {
		return 0, nil, &apiError{status: http.StatusBadRequest, code: "InvalidScope", message: "The emulator supports tags only at a vault's scope."}
	}
	sub, aerr := a.subscription(scope[1])
	if aerr != nil {
		return 0, nil, aerr
	}
	v, aerr := a.vaultIn(sub, scope[3], scope[7])
	if aerr != nil {
		return 0, nil, aerr
	}
	render := func() armTagsJSON {
		var t armTagsJSON
		t.ID, t.Name, t.Type = v.id()+"/providers/Microsoft.Resources/tags/default", "default", "Microsoft.Resources/tags"
		t.Properties.Tags = maps.Clone(v.tags)
		return t
	}
	if a.r.Method == http.MethodGet {
		v.mu.Lock()
		defer v.mu.Unlock()
		return http.StatusOK, render(), nil
	}
	var body struct {
		Operation  string `json:"operation"`
		Properties struct {
			Tags map[string]string `json:"tags"`
		} `json:"properties"`
	}
	if aerr := decodeARM(a.body, &body); aerr != nil {
		return 0, nil, aerr
	}
	v.mu.Lock()
	switch {
	case a.r.Method == http.MethodPut || (a.r.Method == http.MethodPatch && strings.EqualFold(body.Operation, "Replace")):
		v.tags = cloneTags(body.Properties.Tags)
	case a.r.Method == http.MethodPatch && strings.EqualFold(body.Operation, "Merge"):
		// Tag names are case-insensitive in Azure: a merged name replaces
		// the tag of that name in any case.
		for k, val := range body.Properties.Tags {
			for cur := range v.tags {
				if strings.EqualFold(cur, k) {
					delete(v.tags, cur)
				}
			}
			v.tags[k] = val
		}
	case a.r.Method == http.MethodPatch && strings.EqualFold(body.Operation, "Delete"):
		for k, val := range body.Properties.Tags {
			if cur, ok := v.tags[k]; ok && (val == "" || cur == val) {
				delete(v.tags, k)
			}
		}
	default:
		v.mu.Unlock()
		return 0, nil, &apiError{status: http.StatusBadRequest, code: "InvalidTagOperation", message: "Use PUT, or PATCH with operation Merge, Replace or Delete."}
	}
	out := render()
	v.mu.Unlock()
	a.activity(sub, v.id(), "Microsoft.Resources/tags/write", http.StatusOK)
	return http.StatusOK, out, nil
}
