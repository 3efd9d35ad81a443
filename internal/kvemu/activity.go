package kvemu

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
)

// ActivityRecord is one Azure Activity-log record in the shape Azure
// exports it to storage accounts and Event Hubs (category
// "Administrative"). In that export schema operationName is a plain string
// (the REST API's operationName.value).
type ActivityRecord struct {
	Time            string             `json:"time"`          // UTC, 7 fractional digits
	ResourceID      string             `json:"resourceId"`    // UPPER-CASED
	OperationName   string             `json:"operationName"` // e.g. MICROSOFT.KEYVAULT/VAULTS/WRITE
	Category        string             `json:"category"`
	ResultType      string             `json:"resultType"`      // Start, Success, Failure
	ResultSignature string             `json:"resultSignature"` // Started., Succeeded.OK, Failed.Forbidden
	DurationMs      int64              `json:"durationMs"`
	CallerIPAddress string             `json:"callerIpAddress"`
	CorrelationID   string             `json:"correlationId"`
	Identity        ActivityIdentity   `json:"identity"`
	Level           string             `json:"level"`
	Location        string             `json:"location"`
	TenantID        string             `json:"tenantId"`
	Properties      ActivityProperties `json:"properties"`
}

// ActivityIdentity is the caller of a control-plane operation.
type ActivityIdentity struct {
	Authorization ActivityAuthorization `json:"authorization"`
	Claims        map[string]string     `json:"claims"`
}

// ActivityAuthorization says which action on which scope was authorized.
type ActivityAuthorization struct {
	Scope  string `json:"scope"`
	Action string `json:"action"`
}

// ActivityProperties are an Activity record's details.
type ActivityProperties struct {
	StatusCode       string `json:"statusCode"`
	ServiceRequestID string `json:"serviceRequestId"`
	EventCategory    string `json:"eventCategory"`
	Entity           string `json:"entity"`
	Message          string `json:"message"`
	Hierarchy        string `json:"hierarchy"`
	// RequestBody is the body the caller sent, as JSON text, on the Start
	// record of a write; ResponseBody what the service answered, on a
	// successful outcome record. Azure logs them so for most resource
	// providers; they say what a change changed.
	RequestBody  string `json:"requestbody,omitempty"`
	ResponseBody string `json:"responseBody,omitempty"`
}

// activityInput is one control-plane change to log.
type activityInput struct {
	r        *http.Request
	claims   *tokenClaims
	sub      *subscription
	resource string // ARM id of the changed resource
	action   string // e.g. Microsoft.KeyVault/vaults/write
	status   int
	started  time.Time
	elapsed  time.Duration
	request  []byte // the request body, for the Start record
	response []byte // the answer, for a successful outcome record
}

// emitActivity writes the Start and the outcome records of a control-plane
// operation, as Azure does, to the subscription's Activity-log settings.
func (e *Emulator) emitActivity(in activityInput) {
	correl := in.r.Header.Get("x-ms-client-request-id")
	if _, err := uuid.Parse(correl); err != nil {
		correl = uuid.NewString()
	}
	claims := map[string]string{
		"aud":       in.claims.Audience,
		"iss":       in.claims.Issuer,
		"appid":     in.claims.AppID,
		ClaimOIDURI: in.claims.OID,
		"http://schemas.microsoft.com/identity/claims/tenantid": in.claims.TID,
	}
	if in.claims.UPN != "" {
		claims[ClaimUPNURI] = in.claims.UPN
		claims["name"] = in.claims.UPN
	}
	ip := callerIP(in.r, in.claims)
	if ip != "" {
		claims["ipaddr"] = ip
	}
	base := ActivityRecord{
		ResourceID:      strings.ToUpper(in.resource),
		OperationName:   strings.ToUpper(in.action),
		Category:        CategoryAdministrative,
		CallerIPAddress: ip,
		CorrelationID:   correl,
		Identity:        ActivityIdentity{Authorization: ActivityAuthorization{Scope: in.resource, Action: in.action}, Claims: claims},
		Level:           "Information",
		Location:        "global",
		TenantID:        in.claims.TID,
		Properties: ActivityProperties{
			EventCategory: CategoryAdministrative, Entity: in.resource, Message: in.action,
			Hierarchy: in.claims.TID + "/" + in.sub.ID,
		},
	}
	start := base
	start.Time = in.started.UTC().Format(TimeLayout)
	start.ResultType, start.ResultSignature = "Start", "Started."
	start.Properties.ServiceRequestID = uuid.NewString()
	if json.Valid(in.request) {
		start.Properties.RequestBody = string(in.request)
	}

	end := base
	end.Time = in.started.Add(in.elapsed).UTC().Format(TimeLayout)
	end.DurationMs = in.elapsed.Milliseconds()
	statusText := strings.ReplaceAll(http.StatusText(in.status), " ", "")
	end.Properties.StatusCode = statusText
	end.Properties.ServiceRequestID = start.Properties.ServiceRequestID
	if in.status < 400 {
		end.ResultType, end.ResultSignature = "Success", "Succeeded."+statusText
		if json.Valid(in.response) {
			end.Properties.ResponseBody = string(in.response)
		}
	} else {
		end.ResultType, end.ResultSignature = "Failure", "Failed."+statusText
	}

	rg := ""
	if parts := strings.Split(in.resource, "/"); len(parts) > 4 && strings.EqualFold(parts[3], "resourceGroups") {
		rg = parts[4]
	}
	for _, rec := range []ActivityRecord{start, end} {
		t, _ := time.Parse(TimeLayout, rec.Time)
		e.activity.add(in.sub.ID, restEvent(rec, in.sub.ID, rg, in.r.Method, t))
	}

	e.mu.RLock()
	targets := auditTargets(in.sub.diag, CategoryAdministrative)
	e.mu.RUnlock()
	subID := "/SUBSCRIPTIONS/" + strings.ToUpper(in.sub.ID)
	for _, rec := range []ActivityRecord{start, end} {
		b, err := json.Marshal(rec)
		if err != nil {
			e.log.Error("kvemu: encode activity record", "err", err)
			return
		}
		t, _ := time.Parse(TimeLayout, rec.Time)
		e.deliver(targets, Record{Category: CategoryAdministrative, ResourceID: subID, Time: t, JSON: b})
	}
}
