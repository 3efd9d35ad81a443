package web

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/auth"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// Decoys in HashiCorp Vault and AWS Secrets Manager show with their
// provider, and their stores' pages are reached through the links the
// console makes (a Vault store id's "//" survives the router).
func TestOtherProvidersInAPIAndConsole(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	stores := map[string]string{ // store id → decoy name
		"vault://prod/kv/team-a":                        "apps/payments/db-replica",
		"arn:aws:secretsmanager:eu-west-1:111122223333": "prod/payments/stripe-restricted",
	}
	for id, name := range stores {
		if err := e.st.AddDecoy(ctx, &registry.Decoy{VaultID: id, Name: name, Type: registry.Secret, CreatedBy: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	// Their discovery records the stores as inventory, grouped by cluster
	// and account as Key Vaults are by subscription.
	_, err := e.st.RecordDiscovery(ctx, store.Discovery{
		At:            goldenClock,
		Subscriptions: []store.Subscription{{ID: "prod", DisplayName: "Vault cluster prod"}, {ID: "111122223333", DisplayName: "AWS payments"}},
		Vaults: []store.Vault{
			{ID: "vault://prod/kv/team-a", Name: "prod/kv/team-a"},
			{ID: "arn:aws:secretsmanager:eu-west-1:111122223333", Name: "111122223333/eu-west-1", Location: "eu-west-1"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	analyst, admin := e.token(auth.Analyst), e.token(auth.Admin)
	resp, body := e.request(nil, "GET", "/api/v1/honeytokens", analyst, nil)
	var list api.HoneytokenList
	if err := json.Unmarshal([]byte(body), &list); resp.StatusCode != http.StatusOK || err != nil {
		t.Fatalf("GET /api/v1/honeytokens: %d %v %s", resp.StatusCode, err, body)
	}
	providers := map[string]string{}
	for _, h := range list.Honeytokens {
		providers[h.VaultID] = h.Provider
	}
	if providers["vault://prod/kv/team-a"] != "hashicorp-vault" || providers["arn:aws:secretsmanager:eu-west-1:111122223333"] != "aws-secretsmanager" {
		t.Errorf("providers = %v", providers)
	}
	for id, name := range stores {
		page := vaultPageURL(id)
		for _, path := range []string{page, "/api/v1" + page} {
			resp, body := e.request(nil, "GET", path, admin, nil)
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET %s: %d %s", path, resp.StatusCode, body)
				continue
			}
			if !strings.Contains(html.UnescapeString(body), name) {
				t.Errorf("GET %s does not show decoy %s", path, name)
			}
			label := registry.ProviderOf(id).Label()
			if !strings.HasPrefix(path, "/api/") && (!strings.Contains(body, `id="vault-provider">`+label) ||
				strings.Contains(body, "Azure portal") || strings.Contains(body, `id="plan-deploy"`)) {
				t.Errorf("GET %s: want provider %s, no portal link, no deploy button", path, label)
			}
		}
	}
	// The router cleans "vault://" to "vault:/" with a redirect to the
	// spelling the console links to.
	if resp, body := e.request(nil, "GET", "/api/v1/vaults/vault://prod/kv/team-a", analyst, nil); resp.StatusCode/100 != 3 ||
		resp.Header.Get("Location") != "/api/v1"+vaultPageURL("vault://prod/kv/team-a") {
		t.Errorf("GET with the id as it is: %d %s %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	if resp, _ := e.request(nil, "GET", "/api/v1/vaults/vault:/prod", analyst, nil); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a malformed store id: %d, want 400", resp.StatusCode)
	}
}
