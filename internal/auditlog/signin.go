package auditlog

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
)

// Service-principal sign-ins (Microsoft Entra ID's sign-in logs): the
// record an Entra ID canary raises. honeyvault plants the client secret of
// an app registration with no permissions as a decoy; anyone signing in as
// that app — with the planted secret or a guess — leaves a record whose
// app id names the decoy (internal/app resolves it; the event itself names
// no vault). Two shapes, read here and nowhere else:
//
//   - the diagnostic export (Event Hubs, storage): category
//     "ServicePrincipalSignInLogs", operationName "Sign-in activity",
//     top-level time, resultType, resultSignature, resultDescription,
//     callerIpAddress, correlationId, tenantId, and properties {id, appId,
//     servicePrincipalId, servicePrincipalName, ipAddress,
//     resourceDisplayName, resourceId, correlationId, …};
//   - Log Analytics' AADServicePrincipalSignInLogs table (Type
//     "AADServicePrincipalSignInLogs"): TimeGenerated, AppId,
//     ServicePrincipalId, ServicePrincipalName, IPAddress, ResultType,
//     ResultSignature, ResultDescription, ResourceDisplayName,
//     ResourceIdentity, CorrelationId, Id, TenantId.
//
// Column names from Azure Monitor's table reference
// (learn.microsoft.com/azure/azure-monitor/reference/tables/aadserviceprincipalsigninlogs);
// the export's properties are the same fields in camel case, as in
// Microsoft Graph's servicePrincipalSignIn. ResultType is "0" for a
// sign-in that succeeded, an AADSTS error number otherwise (7000215: an
// invalid client secret).

// KindSignIn is a Microsoft Entra ID service-principal sign-in: no Key
// Vault record, and no alert by itself. It alerts when its app id is an
// Entra ID canary's (operation canary:entra).
const KindSignIn Kind = "signin"

// The sign-in shapes.
const (
	ShapeSignIn    Shape = "ServicePrincipalSignInLogs"    // diagnostic export (Event Hubs, storage)
	ShapeAADSignIn Shape = "AADServicePrincipalSignInLogs" // Log Analytics table row
)

// signInCategory is the export's category and, prefixed with "AAD", the
// Log Analytics table.
const signInCategory = "ServicePrincipalSignInLogs"

// isSignIn reports whether w is a service-principal sign-in record.
func (w *wire) isSignIn() bool {
	return EqualFoldASCII(string(w.Type), "AAD"+signInCategory) || EqualFoldASCII(valueString(w.Category), signInCategory)
}

// wireSignIn holds the fields of both shapes: encoding/json matches names
// case-insensitively, so "appId" (export properties) and "AppId" (table
// column) are one field.
type wireSignIn struct {
	ID                   flexString `json:"id"`
	AppID                flexString `json:"appId"`
	ServicePrincipalID   flexString `json:"servicePrincipalId"`
	ServicePrincipalName flexString `json:"servicePrincipalName"`
	IPAddress            flexString `json:"ipAddress"`
	ResourceDisplayName  flexString `json:"resourceDisplayName"`
	CorrelationID        flexString `json:"correlationId"`
	TenantID             flexString `json:"tenantId"`
	ResultType           flexString `json:"resultType"`
	ResultSignature      flexString `json:"resultSignature"`
	ResultDescription    flexString `json:"resultDescription"`
}

// signIn reads a sign-in record: w for the fields every shape shares,
// raw for those of the table row, and its properties for the export's.
func (w *wire) signIn(raw []byte) (Event, error) {
	ev := Event{Kind: KindSignIn, Shape: ShapeSignIn, Category: signInCategory}
	var top wireSignIn
	if err := json.Unmarshal(raw, &top); err != nil {
		return Event{}, fieldError(err, "")
	}
	var props wireSignIn
	if isObject(w.Properties) {
		if err := json.Unmarshal(w.Properties, &props); err != nil {
			return Event{}, fieldError(err, "properties.")
		}
	}
	if EqualFoldASCII(string(w.Type), "AAD"+signInCategory) {
		ev.Shape = ShapeAADSignIn
	}
	var err error
	if ev.Time, err = parseTime(first(string(w.Time), string(w.TimeGenerated))); err != nil {
		return Event{}, err
	}
	c := &ev.Caller
	c.AppID = strings.ToLower(strings.TrimSpace(first(string(props.AppID), string(top.AppID))))
	if c.AppID == "" {
		return Event{}, errors.New("a service-principal sign-in without an appId")
	}
	c.ObjectID = strings.ToLower(strings.TrimSpace(first(string(props.ServicePrincipalID), string(top.ServicePrincipalID))))
	c.Name = strings.TrimSpace(first(string(props.ServicePrincipalName), string(top.ServicePrincipalName)))
	c.IP = strings.TrimSpace(first(string(props.IPAddress), string(w.CallerIPAddress), string(top.IPAddress)))
	c.TenantID = strings.ToLower(strings.TrimSpace(first(string(top.TenantID), string(props.TenantID))))
	op, err := valueText("operationName", w.OperationName)
	if err != nil {
		return Event{}, err
	}
	ev.Operation = first(op, "Sign-in activity")
	ev.ResultType = first(string(w.ResultType), string(props.ResultType))
	ev.ResultSignature = first(string(w.ResultSignature), string(props.ResultSignature))
	ev.ResultDescription = first(string(w.ResultDesc), string(props.ResultDescription))
	// The sign-in's own id, unique per attempt, else the correlation id:
	// what deduplicates a record delivered twice.
	ev.CorrelationID = strings.TrimSpace(first(string(props.ID), string(top.ID), string(props.CorrelationID), string(w.CorrelationID)))
	ev.ResourceID = first(string(w.ResourceID), string(w.LowerResource))
	// Where the app tried to get in, and how it went: what the
	// investigation shows of the use (sign-ins carry no user agent).
	var detail []string
	if r := first(string(props.ResourceDisplayName), string(top.ResourceDisplayName)); r != "" {
		detail = append(detail, "resource="+strconv.Quote(r))
	}
	if ev.ResultType != "" {
		detail = append(detail, "result="+strconv.Quote(ev.ResultType))
	}
	c.ClientInfo = strings.Join(detail, " ")
	return ev, nil
}
