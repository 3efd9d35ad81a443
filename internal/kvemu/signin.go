package kvemu

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"

	"github.com/google/uuid"
)

// Entra ID's sign-in logs, as far as an Entra ID canary needs them: an
// app registered with RegisterCanaryApp is one the operator created with
// no permissions and planted the secret of; every client-credentials
// request naming it — right secret or wrong — writes a
// ServicePrincipalSignInLogs record, in the diagnostic export's shape, to
// the destination SetSignInLogs names (the tenant's Entra ID diagnostic
// setting). Other apps' sign-ins are not logged: the lab's own identities
// sign in all the time, and no check reads those.

// CategorySignIns is the sign-in log category of service principals.
const CategorySignIns = "ServicePrincipalSignInLogs"

// signIns is the tenant's sign-in logging: the canary apps and where their
// sign-ins go.
type signIns struct {
	mu          sync.RWMutex
	canaries    map[string]bool // lower-case app ids
	destination string
	eventHub    string
}

// RegisterCanaryApp makes sign-ins of appID logged (SetSignInLogs says
// where). Register the app with RegisterApp too for a sign-in with its
// secret to succeed; without, every attempt fails as a wrong secret does.
func (e *Emulator) RegisterCanaryApp(appID string) error {
	if _, err := uuid.Parse(appID); err != nil {
		return errors.New("kvemu: a canary app id must be a GUID")
	}
	e.signIns.mu.Lock()
	defer e.signIns.mu.Unlock()
	if e.signIns.canaries == nil {
		e.signIns.canaries = map[string]bool{}
	}
	e.signIns.canaries[strings.ToLower(appID)] = true
	return nil
}

// SetSignInLogs sends the tenant's service-principal sign-in records to
// destinationID (registered with RegisterDestination), on eventHub when
// it is an Event Hubs namespace ("" for the hub named after the category).
func (e *Emulator) SetSignInLogs(destinationID, eventHub string) {
	e.signIns.mu.Lock()
	defer e.signIns.mu.Unlock()
	e.signIns.destination, e.signIns.eventHub = destinationID, eventHub
}

// SignInRecord is a ServicePrincipalSignInLogs record as the diagnostic
// export writes it (field names: Azure Monitor's reference for
// AADServicePrincipalSignInLogs, in camel case).
type SignInRecord struct {
	Time              string           `json:"time"`
	ResourceID        string           `json:"resourceId"`
	OperationName     string           `json:"operationName"`
	OperationVersion  string           `json:"operationVersion"`
	Category          string           `json:"category"`
	TenantID          string           `json:"tenantId"`
	ResultType        string           `json:"resultType"`
	ResultSignature   string           `json:"resultSignature"`
	ResultDescription string           `json:"resultDescription,omitempty"`
	CallerIPAddress   string           `json:"callerIpAddress"`
	CorrelationID     string           `json:"correlationId"`
	Level             string           `json:"level"`
	Properties        SignInProperties `json:"properties"`
}

// SignInProperties are a sign-in record's properties.
type SignInProperties struct {
	ID                  string       `json:"id"`
	CreatedDateTime     string       `json:"createdDateTime"`
	AppID               string       `json:"appId"`
	ServicePrincipalID  string       `json:"servicePrincipalId,omitempty"`
	IPAddress           string       `json:"ipAddress"`
	ResourceDisplayName string       `json:"resourceDisplayName,omitempty"`
	CorrelationID       string       `json:"correlationId"`
	Status              SignInStatus `json:"status"`
}

// SignInStatus is a sign-in's outcome: error code 0 for success.
type SignInStatus struct {
	ErrorCode     int    `json:"errorCode"`
	FailureReason string `json:"failureReason,omitempty"`
}

// logSignIn writes the record of a token request answered with status,
// if it named a canary app and sign-in logs have a destination.
func (e *Emulator) logSignIn(r *http.Request, tenant string, status int) {
	appID := strings.ToLower(r.PostForm.Get("client_id"))
	e.signIns.mu.RLock()
	canary, dest, hub := e.signIns.canaries[appID], e.signIns.destination, e.signIns.eventHub
	e.signIns.mu.RUnlock()
	if !canary || dest == "" {
		return
	}
	e.apps.mu.RLock()
	app := e.apps.byID[appID]
	e.apps.mu.RUnlock()
	code, reason := 0, ""
	switch {
	case status == http.StatusUnauthorized:
		code, reason = 7000215, "Invalid client secret provided."
	case status != http.StatusOK:
		code, reason = 700016, "Application not found in the directory."
	}
	if _, err := uuid.Parse(tenant); err != nil {
		tenant = DefaultTenantID // "organizations" and the like: the home tenant's log
	}
	now := e.Now()
	correl := r.Header.Get("client-request-id")
	if _, err := uuid.Parse(correl); err != nil {
		correl = uuid.NewString()
	}
	ip := callerIP(r, nil)
	rec := SignInRecord{
		Time: now.Format(TimeLayout), ResourceID: "/tenants/" + tenant + "/providers/Microsoft.aadiam",
		OperationName: "Sign-in activity", OperationVersion: "1.0", Category: CategorySignIns, TenantID: tenant,
		ResultType: itoa(code), ResultSignature: "None", ResultDescription: reason, CallerIPAddress: ip,
		CorrelationID: correl, Level: "Informational",
		Properties: SignInProperties{ID: uuid.NewString(), CreatedDateTime: now.Format(TimeLayout), AppID: appID,
			ServicePrincipalID: app.id.ObjectID, IPAddress: ip, ResourceDisplayName: resourceOf(r.PostForm.Get("scope")),
			CorrelationID: correl, Status: SignInStatus{ErrorCode: code, FailureReason: reason}},
	}
	b, _ := json.Marshal(rec)
	e.deliver([]target{{destinationID: dest, eventHub: hub}},
		Record{Category: CategorySignIns, ResourceID: strings.ToUpper(rec.ResourceID), Time: now, JSON: b})
}

// resourceOf names the resource a client-credentials scope asks a token
// for, as the sign-in log's resourceDisplayName does.
func resourceOf(scope string) string {
	switch {
	case strings.Contains(scope, "vault.azure.net"):
		return "Azure Key Vault"
	case strings.Contains(scope, "management.azure.com"), strings.Contains(scope, "management.core.windows.net"):
		return "Windows Azure Service Management API"
	case strings.Contains(scope, "graph.microsoft.com"):
		return "Microsoft Graph"
	}
	return ""
}

// statusWriter remembers the status a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}
