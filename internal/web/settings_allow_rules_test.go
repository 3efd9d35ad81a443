package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestAllowRulesAddAndRemoveInTheConsole(t *testing.T) {
	ok, down := newHookReceiver(t, 200), newHookReceiver(t, 500)
	e := newEnv(t, withSettings(ok, down))
	c := e.browser()
	csrf := e.signIn(c, adminToken)
	form := func(kv ...string) url.Values {
		v := url.Values{"csrf_token": {csrf}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	bad := []struct {
		form  url.Values
		inMsg string
	}{
		{form("identity", "  "), "identity: required"},
		{form("identity", "a\nb"), "identity: want an object id"},
		{form("identity", "backup-sp", "operations", "SecretGet; DROP"), "is not an operation name"},
		{form("identity", "backup-sp", "vault_id", "kv-pay"), "vault: want a vault&#39;s resource id"},
		{form("identity", "backup-sp", "expires", "yesterday"), "expires:"},
		{form("identity", "backup-sp", "expires", "2001-01-01"), "is not in the future"},
		{form("identity", "backup-sp", "note", strings.Repeat("x", 501)), "reason: at most 500"},
	}
	for _, tt := range bad {
		resp, page := e.postForm(c, "/settings/allow-rules", tt.form)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, tt.inMsg) {
			t.Errorf("%v: got %d; want 400 saying %q", tt.form, resp.StatusCode, tt.inMsg)
		}
	}
	if rules, _ := e.st.AllowRules(context.Background(), time.Time{}); len(rules) != 0 || strings.Contains(e.auditActions(), "allow.") {
		t.Fatalf("bad input stored %d rules; audit %q", len(rules), e.auditActions())
	}
	// Without the CSRF token nothing is stored either.
	if resp, _ := e.postForm(c, "/settings/allow-rules", url.Values{"identity": {"backup-sp"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("without CSRF: got %d; want 403", resp.StatusCode)
	}

	resp, _ := e.postForm(c, "/settings/allow-rules", form("identity", "backup-sp", "operations", "SecretGet, backup",
		"vault_id", envVaultPay, "note", "nightly backup", "expires", "30d"))
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/settings/allow-rules?added=") {
		t.Fatalf("add: got %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page := e.request(c, "GET", resp.Header.Get("Location"), "", nil)
	mustContain(t, "after add", page, "is stored", "backup-sp", "SecretGet, backup", "kv-pay", "nightly backup", "by bootstrap", `action="/settings/allow-rules/1/remove"`)
	rules, _ := e.st.AllowRules(context.Background(), time.Time{})
	if len(rules) != 1 || rules[0].Identity != "backup-sp" || len(rules[0].Operations) != 2 || rules[0].Expires.IsZero() {
		t.Fatalf("stored: %+v", rules)
	}

	if resp, _ := e.postForm(c, "/settings/allow-rules/1/remove", form()); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove: got %d", resp.StatusCode)
	}
	resp, page = e.postForm(c, "/settings/allow-rules/1/remove", form())
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(page, "No stored allow rule 1") {
		t.Errorf("second remove: got %d; want 404 in words", resp.StatusCode)
	}
	if rules, _ := e.st.AllowRules(context.Background(), time.Time{}); len(rules) != 0 {
		t.Errorf("after remove: %+v", rules)
	}
	if got := e.auditActions(); !strings.HasPrefix(got, "allow.remove allow.add") {
		t.Errorf("audit trail: got %q; want allow.remove after allow.add", got)
	}
}

func TestAllowRulesAPI(t *testing.T) {
	ok, down := newHookReceiver(t, 200), newHookReceiver(t, 500)
	e := newEnv(t, withSettings(ok, down))
	for _, b := range []string{`{}`, `{"identity":"x","colour":"red"}`, `{"identity":"x","operations":["a b"]}`,
		`{"identity":"x","vault_id":"/subscriptions/s"}`, `{"identity":"x","expires":"soon"}`, `not json`} {
		resp, out := e.request(nil, "POST", "/api/v1/allow-rules", adminToken, strings.NewReader(b), "Content-Type", "application/json")
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(out, `"error"`) {
			t.Errorf("%s: got %d %s; want 400", b, resp.StatusCode, out)
		}
	}
	resp, out := e.request(nil, "POST", "/api/v1/allow-rules", adminToken,
		strings.NewReader(`{"identity":"scanner@contoso.com","operations":["read"],"note":"DLP scan"}`), "Content-Type", "application/json")
	if resp.StatusCode != http.StatusCreated || !strings.Contains(out, `"id":1`) || !strings.Contains(out, `"created_by":"bootstrap`) {
		t.Fatalf("create: %d %s", resp.StatusCode, out)
	}
	_, list := e.request(nil, "GET", "/api/v1/allow-rules", adminToken, nil)
	mustContain(t, "list", list, `"source":"config"`, "config-scanner-oid", `"source":"stored"`, "scanner@contoso.com", `"planting_rules":0`)
	if resp, _ := e.request(nil, "DELETE", "/api/v1/allow-rules/1", adminToken, nil); resp.StatusCode != http.StatusNoContent {
		t.Errorf("delete: got %d; want 204", resp.StatusCode)
	}
	if resp, _ := e.request(nil, "DELETE", "/api/v1/allow-rules/1", adminToken, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("delete again: got %d; want 404", resp.StatusCode)
	}
	if resp, _ := e.request(nil, "DELETE", "/api/v1/allow-rules/x", adminToken, nil); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("delete x: got %d; want 400", resp.StatusCode)
	}
	if got := e.auditActions(); !strings.HasPrefix(got, "allow.remove allow.add") {
		t.Errorf("audit trail: got %q", got)
	}
}
