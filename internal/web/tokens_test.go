package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/auth"
	"github.com/honeyvault/honeyvault/internal/store"
)

func TestTokensAPI(t *testing.T) {
	e := newEnv(t)
	body := `{"name":"pay owners","role":"owner","scope":["kv-pay"],"expires":"30d"}`
	resp, out := e.request(nil, "POST", "/api/v1/tokens", adminToken, strings.NewReader(body), "Content-Type", "application/json")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, out)
	}
	var created api.Token
	if err := json.Unmarshal([]byte(out), &created); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(created.Token, auth.TokenPrefix) || created.Role != "owner" || created.Status != "active" ||
		strings.Join(created.Vaults, ",") != "kv-pay" || created.ExpiresAt == nil || !created.ExpiresAt.Equal(e.clk.Now().Add(30*24*time.Hour)) {
		t.Fatalf("created: %+v", created)
	}
	// The new token works, with its scope.
	_, list := e.request(nil, "GET", "/api/v1/honeytokens", created.Token, nil)
	if !strings.Contains(list, ownDecoy) || strings.Contains(list, foreignDecoy) {
		t.Errorf("new owner token sees:\n%s", list)
	}
	// Listing never shows a token again, nor its hash.
	stored, _ := e.st.GetToken(context.Background(), created.ID)
	_, listing := e.request(nil, "GET", "/api/v1/tokens", adminToken, nil)
	if strings.Contains(listing, created.Token) || strings.Contains(listing, stored.Hash) || !strings.Contains(listing, created.Token[:10]) {
		t.Errorf("listing shows the token or its hash, or not its prefix:\n%s", listing)
	}
	if !strings.Contains(listing, `"last_used_at"`) {
		t.Errorf("listing lacks last use after the token was used:\n%s", listing)
	}

	bad := []string{
		`{"role":"root"}`,
		`{"role":"owner"}`,
		`{"role":"owner","scope":["not a vault!"]}`,
		`{"role":"admin","scope":["kv-pay"]}`,
		`{"role":"admin","expires":"yesterday"}`,
		`{"role":"admin","expires":"2001-01-01"}`,
		`{"role":"admin","colour":"red"}`,
		`not json`,
	}
	for _, b := range bad {
		resp, out := e.request(nil, "POST", "/api/v1/tokens", adminToken, strings.NewReader(b), "Content-Type", "application/json")
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(out, `"error"`) {
			t.Errorf("%s: got %d %s; want 400", b, resp.StatusCode, out)
		}
	}
	if tokens, _ := e.st.ListTokens(context.Background()); len(tokens) != 1 {
		t.Errorf("%d tokens after bad requests; want 1", len(tokens))
	}

	path := "/api/v1/tokens/" + strconv.FormatInt(created.ID, 10)
	if resp, _ := e.request(nil, "DELETE", path, adminToken, nil); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	if resp, _ := e.request(nil, "DELETE", path, adminToken, nil); resp.StatusCode != http.StatusConflict {
		t.Errorf("revoke twice: %d; want 409", resp.StatusCode)
	}
	for _, p := range []string{"/api/v1/tokens/999", "/api/v1/tokens/x"} {
		if resp, _ := e.request(nil, "DELETE", p, adminToken, nil); resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusBadRequest {
			t.Errorf("revoke %s: %d", p, resp.StatusCode)
		}
	}
	if resp, _ := e.request(nil, "GET", "/api/v1/honeytokens", created.Token, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("revoked token: got %d; want 401", resp.StatusCode)
	}
	_, listing = e.request(nil, "GET", "/api/v1/tokens", adminToken, nil)
	if !strings.Contains(listing, `"status":"revoked"`) || !strings.Contains(listing, `"revoked_by":"bootstrap:admin"`) {
		t.Errorf("listing after revoke:\n%s", listing)
	}
	entries, _ := e.st.ListAudit(context.Background(), store.AuditFilter{Action: "token.", Actor: "bootstrap:admin"})
	if len(entries) != 2 || entries[0].Action != "token.revoke" || entries[1].Action != "token.create" || entries[1].RemoteAddr != "127.0.0.1" {
		t.Errorf("audit: %+v", entries)
	}
	for _, x := range entries {
		if strings.Contains(x.Detail, created.Token) {
			t.Errorf("audit entry holds the token: %+v", x)
		}
	}
}

var tokenInPage = regexp.MustCompile(`value="(hvt_[A-Za-z0-9_-]{43})"`)

func TestTokensPage(t *testing.T) {
	e := newEnv(t)
	c := e.browser()
	csrf := e.signIn(c, adminToken)
	resp, page := e.postForm(c, "/tokens", url.Values{"csrf_token": {csrf}, "name": {"ci"}, "role": {"ingest"}, "expires": {"never"}})
	m := tokenInPage.FindStringSubmatch(page)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("create: %d\n%s", resp.StatusCode, page)
	}
	plain := m[1]
	if resp, _ := e.request(nil, "POST", "/api/v1/ingest/azure-keyvault", plain, strings.NewReader(`{}`)); resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		t.Errorf("the token from the page does not ingest: %d", resp.StatusCode)
	}
	_, page = e.request(c, "GET", "/tokens", "", nil)
	if strings.Contains(page, plain) || !strings.Contains(page, plain[:10]) {
		t.Error("the list shows the token again, or not its prefix")
	}
	// A bad form is shown again with the error and what was typed.
	resp, page = e.postForm(c, "/tokens", url.Values{"csrf_token": {csrf}, "name": {"kept"}, "role": {"owner"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "needs a scope") || !strings.Contains(page, `value="kept"`) {
		t.Errorf("bad form: %d\n%s", resp.StatusCode, page)
	}
	tokens, _ := e.st.ListTokens(context.Background())
	resp, _ = e.postForm(c, "/tokens/"+strconv.FormatInt(tokens[0].ID, 10)+"/revoke", url.Values{"csrf_token": {csrf}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	if resp, _ := e.request(nil, "POST", "/api/v1/ingest/azure-keyvault", plain, strings.NewReader(`{}`)); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("revoked token: %d; want 401", resp.StatusCode)
	}
	_, page = e.request(c, "GET", "/tokens?revoked="+strconv.FormatInt(tokens[0].ID, 10), "", nil)
	if !strings.Contains(page, "revoked") {
		t.Errorf("list after revoke:\n%s", page)
	}
}

func TestAuditAPIAndExport(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for i, a := range []string{"auth.sign_in", "token.create", "decoy.plant", "incident.update"} {
		e.st.RecordAudit(ctx, store.AuditEntry{Time: e.clk.Now().Add(time.Duration(i) * time.Minute), Actor: "alice", Action: a, Target: "t" + strconv.Itoa(i)})
	}
	e.st.RecordAudit(ctx, store.AuditEntry{Actor: "=HYPERLINK(\"http://evil\")", Action: "auth.sign_in_failed", Detail: "+cmd"})

	resp, body := e.request(nil, "GET", "/api/v1/audit?limit=2", adminToken, nil)
	var page api.AuditList
	if err := json.Unmarshal([]byte(body), &page); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if len(page.Entries) != 2 || page.Entries[0].Action != "auth.sign_in_failed" || page.NextBefore == 0 {
		t.Fatalf("first page: %+v", page)
	}
	_, body = e.request(nil, "GET", "/api/v1/audit?before="+strconv.FormatInt(page.NextBefore, 10), adminToken, nil)
	if !strings.Contains(body, `"decoy.plant"`) || strings.Contains(body, `"incident.update"`) {
		t.Errorf("second page: %s", body)
	}
	_, body = e.request(nil, "GET", "/api/v1/audit?action=auth.", adminToken, nil)
	if strings.Count(body, `"action"`) != 2 {
		t.Errorf("action prefix filter: %s", body)
	}

	resp, csvBody := e.request(nil, "GET", "/api/v1/audit?format=csv", adminToken, nil)
	lines := strings.Split(strings.TrimSpace(csvBody), "\n")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") || len(lines) != 6 ||
		lines[0] != "id,time,actor,action,target,detail,remote_addr" || !strings.Contains(lines[1], "auth.sign_in") {
		t.Fatalf("csv export: %d %v\n%s", resp.StatusCode, resp.Header, csvBody)
	}
	if !strings.Contains(lines[5], `"'=HYPERLINK(""http://evil"")"`) || !strings.Contains(lines[5], "'+cmd") {
		t.Errorf("csv export does not defuse formulas: %s", lines[5])
	}

	resp, jl := e.request(nil, "GET", "/api/v1/audit?format=jsonl&actor=alice", adminToken, nil)
	var n int
	for _, l := range strings.Split(strings.TrimSpace(jl), "\n") {
		var x api.AuditEntry
		if err := json.Unmarshal([]byte(l), &x); err != nil || x.Actor != "alice" {
			t.Errorf("jsonl line %q: %v", l, err)
		}
		n++
	}
	if resp.StatusCode != 200 || n != 4 {
		t.Errorf("jsonl export: %d, %d lines; want 4", resp.StatusCode, n)
	}
	for _, q := range []string{"?format=xml", "?since=yesterday", "?limit=0", "?before=x"} {
		if resp, _ := e.request(nil, "GET", "/api/v1/audit"+q, adminToken, nil); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: got %d; want 400", q, resp.StatusCode)
		}
	}
	// The console page shows the same, with the export links.
	c := e.browser()
	e.signIn(c, adminToken)
	_, html := e.request(c, "GET", "/audit?action=decoy.plant", "", nil)
	if !strings.Contains(html, "decoy.plant") || strings.Contains(html, "incident.update") || !strings.Contains(html, "format=csv") {
		t.Errorf("audit page:\n%s", html)
	}
}
