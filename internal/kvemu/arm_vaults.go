package kvemu

import (
	"maps"
	"net/http"
	"slices"
	"strings"
)

// armVaultJSON is Microsoft.KeyVault/vaults as armkeyvault reads it.
type armVaultJSON struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Type       string            `json:"type"`
	Location   string            `json:"location"`
	Tags       map[string]string `json:"tags"`
	Properties armVaultProps     `json:"properties"`
}

type armVaultProps struct {
	TenantID                     string         `json:"tenantId"`
	SKU                          armSKU         `json:"sku"`
	AccessPolicies               []AccessPolicy `json:"accessPolicies"`
	VaultURI                     string         `json:"vaultUri"`
	EnabledForDeployment         bool           `json:"enabledForDeployment"`
	EnabledForDiskEncryption     bool           `json:"enabledForDiskEncryption"`
	EnabledForTemplateDeployment bool           `json:"enabledForTemplateDeployment"`
	EnableSoftDelete             bool           `json:"enableSoftDelete"`
	SoftDeleteRetentionInDays    int            `json:"softDeleteRetentionInDays"`
	EnableRbacAuthorization      bool           `json:"enableRbacAuthorization"`
	EnablePurgeProtection        *bool          `json:"enablePurgeProtection,omitempty"`
	ProvisioningState            string         `json:"provisioningState"`
	PublicNetworkAccess          string         `json:"publicNetworkAccess"`
}

type armSKU struct {
	Family string `json:"family"`
	Name   string `json:"name"`
}

// vaultJSON renders v; the caller holds v.mu.
func vaultJSONLocked(v *vault) armVaultJSON {
	out := armVaultJSON{
		ID: v.id(), Name: v.name, Type: "Microsoft.KeyVault/vaults", Location: v.location, Tags: maps.Clone(v.tags),
		Properties: armVaultProps{
			TenantID: v.tenant, SKU: armSKU{Family: "A", Name: v.sku}, AccessPolicies: clonePolicies(v.policies),
			VaultURI: v.uri(), EnableSoftDelete: true, SoftDeleteRetentionInDays: v.retention,
			EnableRbacAuthorization: v.rbac, ProvisioningState: "Succeeded", PublicNetworkAccess: "Enabled",
		},
	}
	if v.purgeProt {
		t := true
		out.Properties.EnablePurgeProtection = &t
	}
	return out
}

// listVaults lists a subscription's (or resource group's) vaults with
// their properties (VaultsClient.NewListBySubscriptionPager and
// NewListByResourceGroupPager).
func (a *armRequest) listVaults(s *subscription, rg string) (int, any, *apiError) {
	if a.r.Method != http.MethodGet {
		return 0, nil, errMethod(a.r.Method)
	}
	var items []armVaultJSON
	for _, v := range a.e.allVaults() {
		v.mu.Lock()
		if strings.EqualFold(v.sub, s.ID) && (rg == "" || strings.EqualFold(v.rg, rg)) {
			items = append(items, vaultJSONLocked(v))
		}
		v.mu.Unlock()
	}
	p, aerr := pageARM(a, items, func(v armVaultJSON) string { return strings.ToLower(v.Name) })
	if aerr != nil {
		return 0, nil, aerr
	}
	return http.StatusOK, p, nil
}

// vaultWriteBody is VaultCreateOrUpdateParameters and VaultPatchParameters.
type vaultWriteBody struct {
	Location   string            `json:"location"`
	Tags       map[string]string `json:"tags"`
	Properties *struct {
		TenantID                  string          `json:"tenantId"`
		SKU                       *armSKU         `json:"sku"`
		AccessPolicies            *[]AccessPolicy `json:"accessPolicies"`
		EnableRbacAuthorization   *bool           `json:"enableRbacAuthorization"`
		SoftDeleteRetentionInDays *int            `json:"softDeleteRetentionInDays"`
		EnablePurgeProtection     *bool           `json:"enablePurgeProtection"`
	} `json:"properties"`
}

// vault serves GET, PUT (create or update), PATCH and DELETE of a vault.
func (a *armRequest) vault(s *subscription, rg, name string) (int, any, *apiError) {
	switch a.r.Method {
	case http.MethodGet:
		v, aerr := a.vaultIn(s, rg, name)
		if aerr != nil {
			return 0, nil, aerr
		}
		v.mu.Lock()
		out := vaultJSONLocked(v)
		v.mu.Unlock()
		a.vaultAudit(v, "VaultGet", http.StatusOK)
		return http.StatusOK, out, nil
	case http.MethodPut:
		return a.putVault(s, rg, name)
	case http.MethodPatch:
		v, aerr := a.vaultIn(s, rg, name)
		if aerr != nil {
			return 0, nil, aerr
		}
		var body vaultWriteBody
		if aerr := decodeARM(a.body, &body); aerr != nil {
			return 0, nil, aerr
		}
		out, aerr := applyVaultWrite(v, &body)
		if aerr != nil {
			return 0, nil, aerr
		}
		a.vaultAudit(v, "VaultPatch", http.StatusOK)
		a.activityOut(s, v.id(), "Microsoft.KeyVault/vaults/write", http.StatusOK, out)
		return http.StatusOK, out, nil
	case http.MethodDelete:
		v, aerr := a.vaultIn(s, rg, name)
		if aerr != nil {
			return http.StatusNoContent, nil, nil
		}
		a.e.mu.Lock()
		delete(a.e.vaults, strings.ToLower(v.name))
		a.e.mu.Unlock()
		a.vaultAudit(v, "VaultDelete", http.StatusOK)
		a.activity(s, v.id(), "Microsoft.KeyVault/vaults/delete", http.StatusOK)
		return http.StatusOK, nil, nil
	}
	return 0, nil, errMethod(a.r.Method)
}

// putVault creates a vault or replaces an existing one's settings.
func (a *armRequest) putVault(s *subscription, rg, name string) (int, any, *apiError) {
	var body vaultWriteBody
	if aerr := decodeARM(a.body, &body); aerr != nil {
		return 0, nil, aerr
	}
	if v, aerr := a.vaultIn(s, rg, name); aerr == nil {
		out, aerr := applyVaultWrite(v, &body)
		if aerr != nil {
			return 0, nil, aerr
		}
		a.vaultAudit(v, "VaultPut", http.StatusOK)
		a.activity(s, v.id(), "Microsoft.KeyVault/vaults/write", http.StatusOK)
		return http.StatusOK, out, nil
	}
	if body.Properties == nil || body.Properties.SKU == nil || body.Location == "" {
		return 0, nil, &apiError{status: http.StatusBadRequest, code: "BadRequest", message: "A new vault needs location, properties.tenantId and properties.sku."}
	}
	spec := VaultSpec{
		SubscriptionID: s.ID, ResourceGroup: rg, Name: name, Location: body.Location, TenantID: body.Properties.TenantID,
		SKU: body.Properties.SKU.Name, Tags: body.Tags,
	}
	if p := body.Properties; p.AccessPolicies != nil {
		spec.AccessPolicies = *p.AccessPolicies
	}
	if p := body.Properties; p.EnableRbacAuthorization != nil {
		spec.EnableRBACAuthorization = *p.EnableRbacAuthorization
	}
	if p := body.Properties; p.SoftDeleteRetentionInDays != nil {
		spec.SoftDeleteRetentionDays = *p.SoftDeleteRetentionInDays
	}
	if p := body.Properties; p.EnablePurgeProtection != nil {
		spec.PurgeProtection = *p.EnablePurgeProtection
	}
	a.e.mu.RLock()
	_, rgExists := s.groups[strings.ToLower(rg)]
	a.e.mu.RUnlock()
	if !rgExists {
		return 0, nil, armNotFound("ResourceGroup", rg)
	}
	v, err := a.e.newVault(spec)
	if err != nil {
		return 0, nil, &apiError{status: http.StatusBadRequest, code: "BadRequest", message: err.Error()}
	}
	a.e.mu.Lock()
	err = a.e.insertVaultLocked(v)
	a.e.mu.Unlock()
	if err != nil {
		return 0, nil, &apiError{status: http.StatusConflict, code: "VaultAlreadyExists", message: "The vault name '" + name + "' is already in use. Vault names are globally unique."}
	}
	v.mu.Lock()
	out := vaultJSONLocked(v)
	v.mu.Unlock()
	a.vaultAudit(v, "VaultPut", http.StatusCreated)
	a.activity(s, v.id(), "Microsoft.KeyVault/vaults/write", http.StatusCreated)
	return http.StatusCreated, out, nil
}

// applyVaultWrite applies a PUT or PATCH body to an existing vault.
func applyVaultWrite(v *vault, b *vaultWriteBody) (armVaultJSON, *apiError) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if b.Tags != nil {
		v.tags = cloneTags(b.Tags)
	}
	if p := b.Properties; p != nil {
		if p.AccessPolicies != nil {
			for _, ap := range *p.AccessPolicies {
				if err := ap.validate(); err != nil {
					return armVaultJSON{}, &apiError{status: http.StatusBadRequest, code: "BadRequest", message: err.Error()}
				}
			}
			v.policies = clonePolicies(*p.AccessPolicies)
		}
		if p.EnableRbacAuthorization != nil {
			v.rbac = *p.EnableRbacAuthorization
		}
		if p.SKU != nil && (p.SKU.Name == "standard" || p.SKU.Name == "premium") {
			v.sku = p.SKU.Name
		}
		if p.EnablePurgeProtection != nil {
			if v.purgeProt && !*p.EnablePurgeProtection {
				return armVaultJSON{}, &apiError{status: http.StatusBadRequest, code: "BadRequest", message: "Purge protection cannot be disabled once enabled."}
			}
			v.purgeProt = *p.EnablePurgeProtection
		}
	}
	return vaultJSONLocked(v), nil
}

// accessPolicyBody is VaultAccessPolicyParameters.
type accessPolicyBody struct {
	ID         string `json:"id,omitempty"`
	Name       string `json:"name,omitempty"`
	Type       string `json:"type,omitempty"`
	Location   string `json:"location,omitempty"`
	Properties struct {
		AccessPolicies []AccessPolicy `json:"accessPolicies"`
	} `json:"properties"`
}

// updateAccessPolicies serves PUT .../accessPolicies/{add|replace|remove}.
// add merges permissions into an identity's entry (creating it), replace
// sets them, remove deletes the identity's entry.
func (a *armRequest) updateAccessPolicies(s *subscription, rg, name, kind string) (int, any, *apiError) {
	if a.r.Method != http.MethodPut {
		return 0, nil, errMethod(a.r.Method)
	}
	kind = strings.ToLower(kind)
	if kind != "add" && kind != "replace" && kind != "remove" {
		return 0, nil, &apiError{status: http.StatusBadRequest, code: "BadRequest", message: "operationKind must be add, replace or remove."}
	}
	v, aerr := a.vaultIn(s, rg, name)
	if aerr != nil {
		return 0, nil, aerr
	}
	var body accessPolicyBody
	if aerr := decodeARM(a.body, &body); aerr != nil {
		return 0, nil, aerr
	}
	for _, ap := range body.Properties.AccessPolicies {
		if err := ap.validate(); err != nil {
			return 0, nil, &apiError{status: http.StatusBadRequest, code: "BadRequest", message: err.Error()}
		}
	}
	v.mu.Lock()
	for _, ap := range body.Properties.AccessPolicies {
		i := slices.IndexFunc(v.policies, func(p AccessPolicy) bool {
			return strings.EqualFold(p.ObjectID, ap.ObjectID) && strings.EqualFold(p.ApplicationID, ap.ApplicationID)
		})
		switch {
		case kind == "remove":
			if i >= 0 {
				v.policies = slices.Delete(v.policies, i, i+1)
			}
		case i < 0:
			v.policies = append(v.policies, clonePolicies([]AccessPolicy{ap})...)
		case kind == "replace":
			v.policies[i] = clonePolicies([]AccessPolicy{ap})[0]
		default: // add
			p := &v.policies[i].Permissions
			p.Keys = unionFold(p.Keys, ap.Permissions.Keys)
			p.Secrets = unionFold(p.Secrets, ap.Permissions.Secrets)
			p.Certificates = unionFold(p.Certificates, ap.Permissions.Certificates)
			p.Storage = unionFold(p.Storage, ap.Permissions.Storage)
		}
	}
	out := accessPolicyBody{ID: v.id() + "/accessPolicies/" + kind, Name: kind, Type: "Microsoft.KeyVault/vaults/accessPolicies", Location: v.location}
	out.Properties.AccessPolicies = clonePolicies(v.policies)
	v.mu.Unlock()
	a.vaultAudit(v, "VaultPatch", http.StatusOK)
	a.activityOut(s, v.id(), "Microsoft.KeyVault/vaults/accessPolicies/write", http.StatusOK, out)
	return http.StatusOK, out, nil
}

// unionFold adds to a the entries of b it lacks, case-insensitively.
func unionFold(a, b []string) []string {
	out := slices.Clone(a)
	for _, s := range b {
		if !slices.ContainsFunc(out, func(x string) bool { return strings.EqualFold(x, s) }) {
			out = append(out, s)
		}
	}
	return out
}
