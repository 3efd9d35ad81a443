package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/auth"
	"github.com/honeyvault/honeyvault/internal/canary"
	"github.com/honeyvault/honeyvault/internal/store"
)

// plantCanary records a new canary of kind k on the decoy named name, as
// a new version of its value would, and returns its token.
func (e *env) plantCanary(name string, k canary.Kind) string {
	e.t.Helper()
	decoys, err := e.st.ListDecoys(context.Background(), store.DecoyFilter{Search: name})
	if err != nil || len(decoys) != 1 {
		e.t.Fatalf("decoy %s: %v %v", name, decoys, err)
	}
	tok := canary.NewToken()
	if err := e.st.AddCanary(context.Background(), decoys[0].ID, store.NewCanary{Kind: k, Token: tok}); err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// A decoy whose value is a canary shows its kind — its newest value's —
// in the API, the decoy list and its vault's page; the token, as
// sensitive as the name, appears nowhere. A plain decoy shows none.
func TestCanaryKindIsShownNeverItsToken(t *testing.T) {
	e := newEnv(t)
	e.seedVaults()
	old := e.plantCanary(ownDecoy, canary.KindHTTP)
	newest := e.plantCanary(ownDecoy, canary.KindDNS)
	analyst := e.token(auth.Analyst)
	noToken := func(where, body string) {
		t.Helper()
		for _, tok := range []string{old, newest} {
			if strings.Contains(body, tok) {
				t.Errorf("%s shows a canary token", where)
			}
		}
	}

	resp, body := e.request(nil, "GET", "/api/v1/honeytokens", analyst, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/honeytokens: %d %s", resp.StatusCode, body)
	}
	var list api.HoneytokenList
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, h := range list.Honeytokens {
		got[h.Name] = h.Canary
	}
	if got[ownDecoy] != "dns" || got[foreignDecoy] != "" || len(got) != 2 {
		t.Errorf("canary kinds in the list %v; want dns for %s, none for %s", got, ownDecoy, foreignDecoy)
	}
	if strings.Count(body, `"canary"`) != 1 {
		t.Errorf("the list names a canary %d times; want once (a plain decoy leaves the field out): %s", strings.Count(body, `"canary"`), body)
	}
	noToken("GET /api/v1/honeytokens", body)

	resp, body = e.request(nil, "GET", "/api/v1/vaults"+envVaultPay, analyst, nil)
	var detail api.VaultDetail
	if err := json.Unmarshal([]byte(body), &detail); resp.StatusCode != http.StatusOK || err != nil {
		t.Fatalf("GET /api/v1/vaults/…: %d %v %s", resp.StatusCode, err, body)
	}
	if len(detail.Honeytokens) != 1 || detail.Honeytokens[0].Canary != "dns" {
		t.Errorf("the vault's decoys %+v; want %s with canary dns", detail.Honeytokens, ownDecoy)
	}
	noToken("GET /api/v1/vaults/…", body)

	for _, page := range []string{"/honeytokens", "/vaults" + envVaultPay} {
		resp, body := e.request(nil, "GET", page, analyst, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", page, resp.StatusCode)
		}
		if n := strings.Count(body, `<span class="badge canary"`); n != 1 || !strings.Contains(body, "canary · dns</span>") {
			t.Errorf("%s: %d canary badges; want one, saying dns", page, n)
		}
		noToken(page, body)
	}
}
