package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/auth"
	"github.com/honeyvault/honeyvault/internal/registry"
)

func TestHoneytokensPage(t *testing.T) {
	e := newEnv(t)
	e.seedIncident() // ownDecoy read on 2026-11-20 08:00
	c := e.browser()
	e.signIn(c, e.token(auth.Analyst))

	resp, body := e.request(c, "GET", "/honeytokens", "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /honeytokens: %d %s", resp.StatusCode, body)
	}
	for _, want := range []string{
		"<code>" + ownDecoy + "</code>", "<code>" + foreignDecoy + "</code>", "<th>Last touched</th>",
		`<a href="/incidents?vault=kv-pay"><time datetime="2026-11-20T08:00:00Z"`, `<span class="muted">never</span>`,
		`href="/api/v1/honeytokens/watchlist.csv"`, `<span class="badge st-active decoy">active</span>`, ">test</td>",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/honeytokens lacks %q", want)
		}
	}
	if m := inlineCode.FindString(withoutScripts(body)); m != "" {
		t.Errorf("/honeytokens has inline code %q", m)
	}
	for _, tt := range []struct {
		query      string
		want, lack []string
	}{
		{"?q=paymentsdb", []string{ownDecoy, `value="paymentsdb"`, "Clear filters"}, []string{foreignDecoy}},
		{"?q=KV-HR", []string{foreignDecoy}, []string{ownDecoy}},
		{"?type=key", []string{"No decoys match these filters."}, []string{ownDecoy, foreignDecoy}},
		{"?status=active&type=secret", []string{ownDecoy, foreignDecoy, `<option value="active" selected>`}, nil},
	} {
		_, body := e.request(c, "GET", "/honeytokens"+tt.query, "", nil)
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s lacks %q", tt.query, w)
			}
		}
		for _, l := range tt.lack {
			if strings.Contains(body, l) {
				t.Errorf("%s has %q", tt.query, l)
			}
		}
	}
	for _, q := range []string{"?type=password", "?status=gone", "?after=-1", "?q=" + strings.Repeat("x", 201)} {
		if resp, _ := e.request(c, "GET", "/honeytokens"+q, "", nil); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: got %d; want 400", q[:min(len(q), 20)], resp.StatusCode)
		}
	}
	if resp, _ := e.request(nil, "GET", "/honeytokens", "", nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("anonymous: %d; want a redirect to sign in", resp.StatusCode)
	}
}

// An owner sees the decoys of its scope only — never another's, not by
// search either — and not when they were touched (owners see no incidents).
func TestHoneytokensPageForOwners(t *testing.T) {
	e := newEnv(t)
	e.seedIncident()
	c := e.browser()
	e.signIn(c, e.token(auth.Owner, envSubPay))
	for _, q := range []string{"", "?q=hrpayroll", "?q=kv-hr", "?type=secret", "?status=active"} {
		resp, body := e.request(c, "GET", "/honeytokens"+q, "", nil)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("owner %s: %d", q, resp.StatusCode)
		}
		if strings.Contains(body, foreignDecoy) || strings.Contains(body, "kv-hr") && q == "" {
			t.Errorf("owner %s sees what is outside its scope", q)
		}
		if strings.Contains(body, "Last touched") || strings.Contains(body, "2026-11-20T08:00:00Z") {
			t.Errorf("owner %s learns that a decoy was touched", q)
		}
	}
	_, body := e.request(c, "GET", "/honeytokens", "", nil)
	if !strings.Contains(body, ownDecoy) || !strings.Contains(body, "The decoys in your scope.") || strings.Contains(body, `href="/incidents"`) {
		t.Errorf("owner's decoy page: %s", body)
	}
	_, csv := e.request(c, "GET", "/api/v1/honeytokens/watchlist.csv", "", nil)
	if !strings.Contains(csv, ownDecoy) || strings.Contains(csv, foreignDecoy) {
		t.Errorf("owner's export link: %s", csv)
	}

	nobody := e.browser()
	e.signIn(nobody, e.token(auth.Owner, "kv-none"))
	_, body = e.request(nobody, "GET", "/honeytokens", "", nil)
	if !strings.Contains(body, "No decoys in your scope yet.") || !strings.Contains(body, "honeyvault plant --all --dry-run") {
		t.Errorf("empty scope: %s", body)
	}
	noDecoyIn(t, "empty scope", body)
}

func TestHoneytokensPagePages(t *testing.T) {
	e := newEnv(t)
	var ds []registry.Decoy
	for i := range honeytokensPageSize {
		ds = append(ds, registry.Decoy{VaultID: envVaultPay, Name: fmt.Sprintf("decoy-%03d", i), Type: registry.Key, CreatedBy: "test"})
	}
	if _, err := e.st.ImportDecoys(context.Background(), ds); err != nil {
		t.Fatal(err)
	}
	c := e.browser()
	e.signIn(c, adminToken)
	_, first := e.request(c, "GET", "/honeytokens?type=key", "", nil)
	next := `<a href="/honeytokens?after=102&amp;type=key">Next page</a>`
	if !strings.Contains(first, next) || !strings.Contains(first, "decoy-099") {
		t.Fatalf("first page: no %s", next)
	}
	_, second := e.request(c, "GET", "/honeytokens?after=102&type=key", "", nil)
	if !strings.Contains(second, `No more decoys. <a href="/honeytokens?type=key">First page</a>`) {
		t.Errorf("second page: %s", second)
	}
}
