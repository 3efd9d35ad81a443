package kvemu

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
)

// armRequest is one authenticated management-plane request.
type armRequest struct {
	e       *Emulator
	r       *http.Request
	claims  *tokenClaims
	segs    []string // decoded path segments, without empty ones
	body    []byte
	started time.Time
	t0      time.Time
}

// armHosts are the audiences ARM accepts in tokens.
var armAudienceHosts = map[string]bool{
	"management.azure.com": true, "management.core.windows.net": true,
	"management.chinacloudapi.cn": true, "management.core.chinacloudapi.cn": true,
	"management.usgovcloudapi.net": true, "management.core.usgovcloudapi.net": true,
}

// serveARM serves the Azure Resource Manager endpoints the SDK's
// armkeyvault and armresources clients (and plain REST for diagnostic
// settings) use. Paths are matched case-insensitively, as ARM does.
func (e *Emulator) serveARM(w http.ResponseWriter, r *http.Request) {
	req := &armRequest{e: e, r: r, started: e.Now(), t0: time.Now()}
	w.Header().Set("x-ms-request-id", uuid.NewString())
	w.Header().Set("x-ms-correlation-request-id", uuid.NewString())
	claims, aerr := e.authenticateARM(r)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	req.claims = claims
	if r.URL.Query().Get("api-version") == "" {
		writeError(w, &apiError{status: http.StatusBadRequest, code: "MissingApiVersionParameter", message: "The api-version query parameter (?api-version=) is required for all requests."})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		writeError(w, &apiError{status: http.StatusBadRequest, code: "InvalidRequestContent", message: "The request body could not be read."})
		return
	}
	req.body = body
	for _, s := range strings.Split(r.URL.EscapedPath(), "/") {
		if s == "" {
			continue
		}
		dec, err := url.PathUnescape(s)
		if err != nil {
			writeError(w, &apiError{status: http.StatusBadRequest, code: "InvalidRequestUri", message: "The request URI is not valid."})
			return
		}
		req.segs = append(req.segs, dec)
	}
	if aerr := req.authorizeChange(); aerr != nil {
		writeError(w, aerr)
		return
	}
	status, out, aerr := req.dispatch()
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	var b []byte
	if out != nil {
		if b, err = json.Marshal(out); err != nil {
			writeError(w, &apiError{status: http.StatusInternalServerError, code: "InternalServerError", message: "encoding the response failed"})
			return
		}
	}
	writeJSON(w, status, b)
}

// authenticateARM checks an ARM bearer token. ARM has no challenge
// handshake: a request without a valid token fails at once.
func (e *Emulator) authenticateARM(r *http.Request) (*tokenClaims, *apiError) {
	fail := func(code, msg string) *apiError {
		h := http.Header{}
		h.Set("WWW-Authenticate", `Bearer authorization_uri="https://login.windows.net/", error="invalid_token", error_description="`+msg+`"`)
		return &apiError{status: http.StatusUnauthorized, code: code, message: msg, header: h}
	}
	raw, ok := bearerToken(r.Header.Get("Authorization"))
	if !ok {
		return nil, fail("AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.")
	}
	claims, err := e.parseToken(raw, e.Now())
	if err != nil {
		return nil, fail("InvalidAuthenticationToken", "The access token is invalid.")
	}
	aud, err := url.Parse(claims.Audience)
	if err != nil || !armAudienceHosts[strings.ToLower(aud.Hostname())] {
		return nil, fail("InvalidAuthenticationTokenAudience", "The access token has been obtained for wrong audience or resource '"+claims.Audience+"'.")
	}
	return claims, nil
}

// seg reports whether segment i equals lit, case-insensitively.
func (a *armRequest) seg(i int, lit string) bool {
	return i < len(a.segs) && strings.EqualFold(a.segs[i], lit)
}

func armNotFound(kind, name string) *apiError {
	return &apiError{status: http.StatusNotFound, code: kind + "NotFound", message: "The " + kind + " '" + name + "' could not be found."}
}

func errMethod(method string) *apiError {
	return &apiError{status: http.StatusMethodNotAllowed, code: "MethodNotAllowed", message: "The method " + method + " is not allowed here."}
}

// dispatch routes by path shape:
//
//	/subscriptions
//	/subscriptions/{s}
//	/subscriptions/{s}/resources
//	/subscriptions/{s}/resourcegroups[/{rg}[/resources]]
//	/subscriptions/{s}/providers/Microsoft.KeyVault/vaults
//	/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults[/{v}[/accessPolicies/{kind}]]
//	{scope}/providers/Microsoft.Insights/diagnosticSettings[/{name}]   (scope: a vault or a subscription)
//	{scope}/providers/Microsoft.Resources/tags/default                 (scope: a vault)
//	{scope}/providers/Microsoft.Authorization/{roleAssignments|permissions}[/{guid}]
//	/subscriptions/{s}/providers/Microsoft.Insights/eventtypes/management/values   (the Activity log)
func (a *armRequest) dispatch() (int, any, *apiError) {
	n := len(a.segs)
	if n == 0 || !a.seg(0, "subscriptions") {
		return 0, nil, &apiError{status: http.StatusNotFound, code: "NotFound", message: "No ARM route for " + a.r.URL.Path}
	}
	// Extension resources: find ".../providers/Microsoft.Insights/..." etc.
	for i := 1; i+1 < n; i++ {
		if !a.seg(i, "providers") {
			continue
		}
		switch {
		case a.seg(i+1, "Microsoft.Insights") && a.seg(i+2, "diagnosticSettings"):
			return a.diagnosticSettings(a.segs[:i], a.segs[i+3:])
		case i == 2 && n == 7 && a.seg(i+1, "Microsoft.Insights") && a.seg(i+2, "eventtypes") && a.seg(i+3, "management") && a.seg(i+4, "values"):
			sub, aerr := a.subscription(a.segs[1])
			if aerr != nil {
				return 0, nil, aerr
			}
			return a.listActivity(sub)
		case a.seg(i+1, "Microsoft.Authorization"):
			return a.authorization(a.segs[:i], a.segs[i+2:])
		case a.seg(i+1, "Microsoft.Resources") && a.seg(i+2, "tags") && n == i+4 && a.seg(i+3, "default"):
			return a.tagsAtScope(a.segs[:i])
		}
	}
	if n == 1 {
		return a.listSubscriptions()
	}
	sub, aerr := a.subscription(a.segs[1])
	if aerr != nil {
		return 0, nil, aerr
	}
	switch {
	case n == 2:
		return a.getSubscription(sub)
	case n == 3 && a.seg(2, "resources"):
		return a.listResources(sub, "")
	case n == 3 && a.seg(2, "resourcegroups"):
		return a.listResourceGroups(sub)
	case n == 4 && a.seg(2, "resourcegroups"):
		return a.resourceGroup(sub, a.segs[3])
	case n == 5 && a.seg(2, "resourcegroups") && a.seg(4, "resources"):
		return a.listResources(sub, a.segs[3])
	case n == 5 && a.seg(2, "providers") && a.seg(3, "Microsoft.KeyVault") && a.seg(4, "vaults"):
		return a.listVaults(sub, "")
	case n >= 7 && a.seg(2, "resourcegroups") && a.seg(4, "providers") && a.seg(5, "Microsoft.KeyVault") && a.seg(6, "vaults"):
		rg := a.segs[3]
		switch {
		case n == 7:
			return a.listVaults(sub, rg)
		case n == 8:
			return a.vault(sub, rg, a.segs[7])
		case n == 10 && a.seg(8, "accessPolicies"):
			return a.updateAccessPolicies(sub, rg, a.segs[7], a.segs[9])
		}
	}
	return 0, nil, &apiError{status: http.StatusNotFound, code: "NotFound", message: "No ARM route for " + a.r.URL.Path}
}

// subscription finds a subscription the caller's tenant owns.
func (a *armRequest) subscription(id string) (*subscription, *apiError) {
	a.e.mu.RLock()
	sub := a.e.subs[strings.ToLower(id)]
	a.e.mu.RUnlock()
	if sub == nil {
		return nil, &apiError{status: http.StatusNotFound, code: "SubscriptionNotFound", message: "The subscription '" + id + "' could not be found."}
	}
	if !strings.EqualFold(sub.TenantID, a.claims.TID) {
		return nil, &apiError{status: http.StatusUnauthorized, code: "InvalidAuthenticationTokenTenant", message: "The access token is from the wrong issuer. It must match the tenant associated with this subscription."}
	}
	return sub, nil
}

// vaultIn finds a vault by subscription, resource group and name.
func (a *armRequest) vaultIn(sub *subscription, rg, name string) (*vault, *apiError) {
	v, ok := a.e.lookupVault(name)
	if !ok || !strings.EqualFold(v.sub, sub.ID) || !strings.EqualFold(v.rg, rg) {
		return nil, &apiError{status: http.StatusNotFound, code: "ResourceNotFound", message: "The Resource 'Microsoft.KeyVault/vaults/" + name + "' under resource group '" + rg + "' was not found."}
	}
	return v, nil
}

// activity logs a control-plane change to the subscription's Activity log.
func (a *armRequest) activity(sub *subscription, resource, action string, status int) {
	a.activityOut(sub, resource, action, status, nil)
}

// activityOut is activity for a change whose answer, out, the outcome
// record carries as its responseBody (the Start record carries the request
// body), as Azure logs writes of diagnostic settings and vaults.
func (a *armRequest) activityOut(sub *subscription, resource, action string, status int, out any) {
	var resp []byte
	if out != nil {
		resp, _ = json.Marshal(out)
	}
	a.e.emitActivity(activityInput{
		r: a.r, claims: a.claims, sub: sub, resource: resource, action: action,
		status: status, started: a.started, elapsed: time.Since(a.t0), request: a.body, response: resp,
	})
}

// vaultAudit logs a vault management operation (VaultGet, VaultPut,
// VaultPatch, VaultDelete) to the vault's own AuditEvent log, as Key
// Vault does.
func (a *armRequest) vaultAudit(v *vault, op string, status int) {
	allowed := true
	in := auditInput{
		r: a.r, v: v, op: op, claims: a.claims, status: status, objectID: v.id(),
		started: a.started, elapsed: time.Since(a.t0), correlID: a.r.Header.Get("x-ms-client-request-id"), authz: &allowed,
	}
	if _, err := uuid.Parse(in.correlID); err != nil {
		in.correlID = uuid.NewString()
	}
	a.e.emitAudit(v, a.started, a.e.buildAudit(in))
}

func decodeARM(body []byte, dst any) *apiError {
	if len(body) == 0 {
		return &apiError{status: http.StatusBadRequest, code: "InvalidRequestContent", message: "The request content is empty."}
	}
	if err := json.Unmarshal(body, dst); err != nil {
		return &apiError{status: http.StatusBadRequest, code: "InvalidRequestContent", message: "The request content was invalid and could not be deserialized: " + err.Error()}
	}
	return nil
}
