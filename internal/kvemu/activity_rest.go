package kvemu

import (
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
)

// The Activity log is also readable the way the portal and `az monitor
// activity-log list` read it, through the REST API, in its own schema
// (operationName.value, status.value, ...):
//
//	GET /subscriptions/{s}/providers/Microsoft.Insights/eventtypes/management/values
//	    ?api-version=2015-04-01&$filter=eventTimestamp ge '{RFC 3339}' [and eventTimestamp le '...']
//	    [and resourceUri eq '{id}' | resourceGroupName eq '{rg}']
//
// The emulator keeps the newest activityKeep events per subscription.

const activityKeep = 10000

// activityStore keeps recent Activity-log events per subscription.
type activityStore struct {
	mu    sync.Mutex
	bySub map[string][]ActivityEvent // by lower-case subscription id, oldest first
}

// ActivityEvent is one Activity-log event in the REST API's schema.
type ActivityEvent struct {
	Authorization        ActivityAuthorization `json:"authorization"`
	Caller               string                `json:"caller"`
	Channels             string                `json:"channels"`
	Claims               map[string]string     `json:"claims"`
	CorrelationID        string                `json:"correlationId"`
	Description          string                `json:"description"`
	EventDataID          string                `json:"eventDataId"`
	EventName            LocalizedValue        `json:"eventName"`
	Category             LocalizedValue        `json:"category"`
	HTTPRequest          map[string]string     `json:"httpRequest"`
	ID                   string                `json:"id"`
	Level                string                `json:"level"`
	ResourceGroupName    string                `json:"resourceGroupName"`
	ResourceProviderName LocalizedValue        `json:"resourceProviderName"`
	ResourceID           string                `json:"resourceId"`
	ResourceType         LocalizedValue        `json:"resourceType"`
	OperationID          string                `json:"operationId"`
	OperationName        LocalizedValue        `json:"operationName"`
	Properties           map[string]string     `json:"properties,omitempty"`
	Status               LocalizedValue        `json:"status"`
	SubStatus            LocalizedValue        `json:"subStatus"`
	EventTimestamp       string                `json:"eventTimestamp"`
	SubmissionTimestamp  string                `json:"submissionTimestamp"`
	SubscriptionID       string                `json:"subscriptionId"`
	TenantID             string                `json:"tenantId"`
}

// LocalizedValue is the REST API's {value, localizedValue} pair.
type LocalizedValue struct {
	Value          string `json:"value"`
	LocalizedValue string `json:"localizedValue"`
}

func lv(s string) LocalizedValue { return LocalizedValue{Value: s, LocalizedValue: s} }

// restEvent renders an export-schema record in the REST schema.
func restEvent(rec ActivityRecord, sub, rg, method string, t time.Time) ActivityEvent {
	status, subStatus, eventName := "Started", "", "BeginRequest"
	if rec.ResultType != "Start" {
		status, eventName = "Succeeded", "EndRequest"
		if rec.ResultType == "Failure" {
			status = "Failed"
		}
		subStatus = rec.Properties.StatusCode
	}
	action := rec.Identity.Authorization.Action
	provider, rtype := "", ""
	if parts := strings.Split(action, "/"); len(parts) >= 3 {
		provider, rtype = parts[0], strings.Join(parts[:len(parts)-1], "/")
	}
	caller := rec.Identity.Claims[ClaimUPNURI]
	if caller == "" {
		caller = rec.Identity.Claims[ClaimOIDURI]
	}
	ts := t.UTC().Format(TimeLayout)
	return ActivityEvent{
		Authorization: rec.Identity.Authorization, Caller: caller, Channels: "Operation", Claims: rec.Identity.Claims,
		CorrelationID: rec.CorrelationID, EventDataID: newVersion(), EventName: lv(eventName), Category: lv(CategoryAdministrative),
		HTTPRequest: map[string]string{"clientRequestId": rec.CorrelationID, "clientIpAddress": rec.CallerIPAddress, "method": method},
		ID:          rec.Identity.Authorization.Scope + "/events/" + newVersion() + "/ticks/" + itoa(int(t.UnixNano()/100)),
		Level:       "Informational", ResourceGroupName: rg, ResourceProviderName: lv(provider),
		ResourceID: rec.Identity.Authorization.Scope, ResourceType: lv(rtype), OperationID: rec.Properties.ServiceRequestID,
		OperationName: lv(action), Properties: ActivityPropertiesMap(rec.Properties), Status: lv(status), SubStatus: lv(subStatus),
		EventTimestamp: ts, SubmissionTimestamp: ts, SubscriptionID: sub, TenantID: rec.TenantID,
	}
}

// ActivityPropertiesMap is an export record's properties as the REST API
// and Log Analytics (AzureActivity's Properties_d) spell them: a map of
// strings, bodies included.
func ActivityPropertiesMap(p ActivityProperties) map[string]string {
	m := map[string]string{"eventCategory": p.EventCategory, "entity": p.Entity, "message": p.Message, "hierarchy": p.Hierarchy}
	for k, v := range map[string]string{"statusCode": p.StatusCode, "serviceRequestId": p.ServiceRequestID, "requestbody": p.RequestBody, "responseBody": p.ResponseBody} {
		if v != "" {
			m[k] = v
		}
	}
	return m
}

func (s *activityStore) add(sub string, ev ActivityEvent) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bySub == nil {
		s.bySub = map[string][]ActivityEvent{}
	}
	k := strings.ToLower(sub)
	evs := append(s.bySub[k], ev)
	if len(evs) > activityKeep {
		evs = evs[len(evs)-activityKeep:]
	}
	s.bySub[k] = evs
}

var (
	activityGeRE  = regexp.MustCompile(`(?i)eventTimestamp\s+ge\s+'([^']+)'`)
	activityLeRE  = regexp.MustCompile(`(?i)eventTimestamp\s+le\s+'([^']+)'`)
	activityResRE = regexp.MustCompile(`(?i)resourceUri\s+eq\s+'([^']+)'`)
	activityRGRE  = regexp.MustCompile(`(?i)resourceGroupName\s+eq\s+'([^']+)'`)
)

// listActivity serves the Activity log REST API of one subscription.
func (a *armRequest) listActivity(sub *subscription) (int, any, *apiError) {
	if a.r.Method != http.MethodGet {
		return 0, nil, errMethod(a.r.Method)
	}
	f := a.r.URL.Query().Get("$filter")
	m := activityGeRE.FindStringSubmatch(f)
	if m == nil {
		return 0, nil, &apiError{status: http.StatusBadRequest, code: "BadRequest", message: "The $filter must include eventTimestamp ge '<time>'."}
	}
	from, err := time.Parse(time.RFC3339Nano, m[1])
	if err != nil {
		return 0, nil, &apiError{status: http.StatusBadRequest, code: "BadRequest", message: "eventTimestamp is not an RFC 3339 time."}
	}
	to := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	if m := activityLeRE.FindStringSubmatch(f); m != nil {
		if to, err = time.Parse(time.RFC3339Nano, m[1]); err != nil {
			return 0, nil, &apiError{status: http.StatusBadRequest, code: "BadRequest", message: "eventTimestamp is not an RFC 3339 time."}
		}
	}
	resource, rg := "", ""
	if m := activityResRE.FindStringSubmatch(f); m != nil {
		resource = m[1]
	}
	if m := activityRGRE.FindStringSubmatch(f); m != nil {
		rg = m[1]
	}
	a.e.activity.mu.Lock()
	evs := a.e.activity.bySub[strings.ToLower(sub.ID)]
	out := armValueList[ActivityEvent]{Value: []ActivityEvent{}}
	for i := len(evs) - 1; i >= 0; i-- { // newest first, as Azure lists them
		ev := evs[i]
		t, _ := time.Parse(TimeLayout, ev.EventTimestamp)
		if t.Before(from) || t.After(to) ||
			(resource != "" && !strings.EqualFold(ev.ResourceID, resource)) || (rg != "" && !strings.EqualFold(ev.ResourceGroupName, rg)) {
			continue
		}
		out.Value = append(out.Value, ev)
	}
	a.e.activity.mu.Unlock()
	return http.StatusOK, out, nil
}
