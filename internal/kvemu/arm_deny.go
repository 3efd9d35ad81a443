package kvemu

import (
	"net/http"
	"strings"
)

// DenyManagement makes the management plane refuse every change (PUT,
// PATCH, POST, DELETE) by the principal with objectID, as Azure does for a
// caller without the right role: 403 AuthorizationFailed, and a Failed
// record in the Activity log. deny false lifts it. Reads are unaffected.
// Tests use it for failed attempts (a diagnostic setting someone tried to
// delete).
func (e *Emulator) DenyManagement(objectID string, deny bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.denied == nil {
		e.denied = map[string]bool{}
	}
	if deny {
		e.denied[strings.ToLower(objectID)] = true
	} else {
		delete(e.denied, strings.ToLower(objectID))
	}
}

// authorizeChange refuses a change by a denied principal, logging the
// failed attempt as Azure does.
func (a *armRequest) authorizeChange() *apiError {
	if a.r.Method == http.MethodGet || a.r.Method == http.MethodHead {
		return nil
	}
	a.e.mu.RLock()
	denied := a.e.denied[strings.ToLower(a.claims.OID)]
	a.e.mu.RUnlock()
	if !denied || len(a.segs) < 2 || !a.seg(0, "subscriptions") {
		return nil
	}
	sub, aerr := a.subscription(a.segs[1])
	if aerr != nil {
		return aerr
	}
	resource, action := a.changeTarget()
	a.activity(sub, resource, action, http.StatusForbidden)
	return &apiError{status: http.StatusForbidden, code: "AuthorizationFailed",
		message: "The client '" + a.claims.OID + "' with object id '" + a.claims.OID + "' does not have authorization to perform action '" + action + "' over scope '" + resource + "' or the scope is invalid."}
}

// changeTarget names the resource a change request addresses and the
// action Azure authorizes for it: the provider and resource types after
// the last "providers" segment, then write or delete
// (…/providers/Microsoft.Insights/diagnosticSettings/x →
// Microsoft.Insights/diagnosticSettings/delete). A vault's access-policy
// update (…/vaults/v/accessPolicies/add) is accessPolicies/write, as Azure
// names it.
func (a *armRequest) changeTarget() (resource, action string) {
	resource = "/" + strings.Join(a.segs, "/")
	verb := "write"
	if a.r.Method == http.MethodDelete {
		verb = "delete"
	}
	p := -1
	for i := len(a.segs) - 2; i >= 0; i-- {
		if a.seg(i, "providers") {
			p = i
			break
		}
	}
	if p < 0 {
		return resource, "Microsoft.Resources/subscriptions/resourceGroups/" + verb
	}
	parts := []string{a.segs[p+1]}
	for i := p + 2; i < len(a.segs); i += 2 {
		parts = append(parts, a.segs[i])
	}
	if strings.EqualFold(parts[len(parts)-1], "accessPolicies") {
		resource = "/" + strings.Join(a.segs[:len(a.segs)-2], "/")
	}
	return resource, strings.Join(parts, "/") + "/" + verb
}

// DenyDiagnosticsRead makes Resource Manager refuse to list or read
// diagnostic settings to the principal with objectID, as Azure does for an
// identity without Monitoring Reader or Reader: 403 AuthorizationFailed.
// deny false lifts it.
func (e *Emulator) DenyDiagnosticsRead(objectID string, deny bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.diagUnread == nil {
		e.diagUnread = map[string]bool{}
	}
	if deny {
		e.diagUnread[strings.ToLower(objectID)] = true
	} else {
		delete(e.diagUnread, strings.ToLower(objectID))
	}
}

// diagnosticsUnreadable reports whether the caller is refused
// diagnostic-settings reads.
func (a *armRequest) diagnosticsUnreadable() bool {
	a.e.mu.RLock()
	defer a.e.mu.RUnlock()
	return a.e.diagUnread[strings.ToLower(a.claims.OID)]
}
