package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/auth"
)

// Without a reconciler (a server that cannot sign in to Azure), POST
// /api/v1/reconcile says so; only an admin may ask. The run itself is
// tested against the emulator in internal/app (TestDriftBecomesOneAlertPerFinding).
func TestReconcileAPIWithoutReconciler(t *testing.T) {
	e := newEnv(t)
	if resp, body := e.request(nil, "POST", "/api/v1/reconcile", adminToken, nil); resp.StatusCode != http.StatusServiceUnavailable ||
		!strings.Contains(body, "reconcile is not configured") {
		t.Errorf("admin: %d %s; want 503", resp.StatusCode, body)
	}
	if resp, _ := e.request(nil, "POST", "/api/v1/reconcile", e.token(auth.Analyst), nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("analyst: %d; want 403", resp.StatusCode)
	}
	if resp, _ := e.request(nil, "POST", "/api/v1/reconcile", "", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous: %d; want 401", resp.StatusCode)
	}
	if got := e.auditActions(); strings.Contains(got, "reconcile.run") {
		t.Errorf("a refused run was audited: %q", got)
	}
}
