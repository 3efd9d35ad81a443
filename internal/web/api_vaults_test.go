package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/auth"
	"github.com/honeyvault/honeyvault/internal/store"
)

const envVaultEmpty = "/subscriptions/" + envSubPay + "/resourceGroups/rg-batch/providers/Microsoft.KeyVault/vaults/kv-legacy-batch"

// seedVaults records a discovery of the env's estate: kv-pay and
// kv-legacy-batch (no decoy) in the payments subscription, kv-hr in HR.
func (e *env) seedVaults() {
	e.t.Helper()
	_, err := e.st.RecordDiscovery(context.Background(), store.Discovery{
		At:            goldenClock,
		Subscriptions: []store.Subscription{{ID: envSubPay, DisplayName: "Contoso Payments"}, {ID: envSubHR, DisplayName: "Contoso HR"}},
		Vaults: []store.Vault{
			{ID: envVaultPay, Name: "kv-pay", ResourceGroup: "rg", Location: "westeurope", Tags: map[string]string{"team": "payments"}, SoftDelete: true},
			{ID: envVaultEmpty, Name: "kv-legacy-batch", ResourceGroup: "rg-batch", Location: "westeurope", SoftDelete: true, PurgeProtection: true,
				PlantingBlocked: "missing secrets/set (inferred: not in the access-policy entry); fix: az keyvault set-policy ..."},
			{ID: envVaultHR, Name: "kv-hr", ResourceGroup: "rg", Location: "northeurope", RBAC: true, SoftDelete: true},
		},
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) vaultList(bearer, query string) (int, api.VaultList, string) {
	e.t.Helper()
	resp, body := e.request(nil, "GET", "/api/v1/vaults"+query, bearer, nil)
	var l api.VaultList
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal([]byte(body), &l); err != nil {
			e.t.Fatal(err)
		}
	}
	return resp.StatusCode, l, body
}

func names(l api.VaultList) string {
	var out []string
	for _, v := range l.Vaults {
		out = append(out, v.Name)
	}
	return strings.Join(out, " ")
}

// The vault list filters by subscription, state and search, pages by id,
// and counts every vault the caller may see whatever the filters.
func TestVaultsAPIFiltersAndPages(t *testing.T) {
	e := newEnv(t)
	e.seedVaults()
	analyst := e.token(auth.Analyst)
	for _, c := range []struct{ query, want string }{
		{"", "kv-legacy-batch kv-pay kv-hr"},
		{"?subscription=" + strings.ToUpper(envSubHR), "kv-hr"},
		{"?state=not-covered", "kv-legacy-batch"},
		{"?state=AT-RISK", "kv-pay kv-hr"}, // decoys, but no record yet
		{"?state=covered", ""},
		{"?state=all", "kv-legacy-batch kv-pay kv-hr"},
		{"?q=LEGACY", "kv-legacy-batch"},
		{"?q=team%3Dpay", "kv-pay"},
		{"?q=contoso+hr", "kv-hr"},
		{"?limit=2", "kv-legacy-batch kv-pay"},
		{"?limit=2&after=" + url.QueryEscape(strings.ToUpper(envVaultPay)), "kv-hr"},
	} {
		code, l, body := e.vaultList(analyst, c.query)
		if code != 200 {
			t.Errorf("%s: %d %s", c.query, code, body)
			continue
		}
		if got := names(l); got != c.want {
			t.Errorf("%s: got %q; want %q", c.query, got, c.want)
		}
		if l.Coverage.Total != 3 || len(l.Subscriptions) != 2 {
			t.Errorf("%s: counts %+v, %+v; want every vault counted", c.query, l.Coverage, l.Subscriptions)
		}
	}
	if _, l, _ := e.vaultList(analyst, "?limit=2"); l.NextAfter != envVaultPay {
		t.Errorf("next_after: got %q; want %q", l.NextAfter, envVaultPay)
	}
	for _, q := range []string{"?state=green", "?limit=0", "?limit=x", "?q=" + strings.Repeat("a", 201)} {
		if code, _, _ := e.vaultList(analyst, q); code != http.StatusBadRequest {
			t.Errorf("%s: %d; want 400", q, code)
		}
	}
}

// An owner sees only the vaults of its scope, in lists, counts and single
// vaults; nobody without a token learns anything, least of all a decoy name.
func TestVaultsAPIScope(t *testing.T) {
	e := newEnv(t)
	e.seedVaults()
	owner := e.token(auth.Owner, envSubPay)
	code, l, body := e.vaultList(owner, "")
	if code != 200 || names(l) != "kv-legacy-batch kv-pay" || l.Coverage.Total != 2 || len(l.Subscriptions) != 1 || strings.Contains(body, "kv-hr") {
		t.Errorf("owner's list: %d %s", code, body)
	}
	hrPath := "/api/v1/vaults" + envVaultHR
	if resp, body := e.request(nil, "GET", hrPath, owner, nil); resp.StatusCode != http.StatusNotFound || strings.Contains(body, foreignDecoy) {
		t.Errorf("owner reading kv-hr: %d %s; want 404", resp.StatusCode, body)
	}
	resp, body := e.request(nil, "GET", "/api/v1/vaults"+envVaultPay, owner, nil)
	var d api.VaultDetail
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &d) != nil || len(d.Honeytokens) != 1 || d.Honeytokens[0].Name != ownDecoy {
		t.Errorf("owner reading kv-pay: %d %s", resp.StatusCode, body)
	}
	// The id may also come escaped, as one path segment.
	if resp, _ := e.request(nil, "GET", "/api/v1/vaults/"+url.PathEscape(envVaultPay), owner, nil); resp.StatusCode != 200 {
		t.Errorf("escaped id: %d", resp.StatusCode)
	}
	if d.Vault.Coverage.State != "at-risk" {
		t.Errorf("kv-pay: %+v; want at risk (no record yet)", d.Vault.Coverage)
	}
	for _, path := range []string{"/api/v1/vaults", hrPath, "/api/v1/vaults" + envVaultPay} {
		for _, bearer := range []string{"", "not-a-token", ingestToken} {
			resp, body := e.request(nil, "GET", path, bearer, nil)
			if resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusForbidden {
				t.Errorf("GET %s with %q: %d", path, bearer, resp.StatusCode)
			}
			if strings.Contains(body, ownDecoy) || strings.Contains(body, foreignDecoy) || strings.Contains(body, "kv-pay") {
				t.Errorf("GET %s with %q reveals: %s", path, bearer, body)
			}
		}
	}
	if resp, _ := e.request(nil, "POST", "/api/v1/vaults/discover", owner, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("owner's discover: %d; want 403", resp.StatusCode)
	}
	if resp, _ := e.request(nil, "GET", "/api/v1/vaults/subscriptions/x", owner, nil); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a bad id: %d; want 400", resp.StatusCode)
	}
}
