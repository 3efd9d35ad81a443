package app

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/ingest/ingesttest"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// With nothing configured, a vault needs what planting plants by default —
// a secret and a key — to count as covered: a secret alone leaves it at
// risk, saying what is missing.
func TestCoverageAsksForTheDefaultTypes(t *testing.T) {
	const kvDevID = "/subscriptions/" + invSubDev + "/resourceGroups/rg-dev/providers/Microsoft.KeyVault/vaults/kv-dev"
	_, over := inventoryEstate(t)
	cfg := config.Default()
	cfg.DB = "sqlite:" + filepath.Join(t.TempDir(), "hv.db")
	cfg.AdminToken = adminToken
	cfg.Reconcile.Interval = "off"
	cfg.Heartbeat.Interval = "off"
	srv := serveInBackground(t, cfg, nil, WithAzure(over))
	var list api.VaultList
	ingesttest.Eventually(t, 30*time.Second, "three vaults discovered", func() bool {
		return apiCall(t, srv, "GET", "/api/v1/vaults", adminToken, &list) == 200 && len(list.Vaults) == 3
	})
	ctx := context.Background()
	if err := srv.Store.AddDecoy(ctx, &registry.Decoy{VaultID: kvDevID, Name: "dev-db-password", Type: registry.Secret}); err != nil {
		t.Fatal(err)
	}
	rec := fmt.Sprintf(`{"time":%q,"resourceId":"%s","operationName":"SecretList","category":"AuditEvent","resultType":"Success",`+
		`"correlationId":"corr-dev","callerIpAddress":"10.0.0.1","identity":{"claim":{"oid":"app-oid"}},`+
		`"properties":{"requestUri":"https://kv-dev.vault.azure.net/secrets?api-version=7.4","httpStatusCode":200}}`,
		time.Now().UTC().Format(time.RFC3339), strings.ToUpper(kvDevID))
	if code, body := apiJSON(t, srv, "POST", "/api/v1/ingest/azure-keyvault", adminToken, rec, nil); code != http.StatusAccepted {
		t.Fatalf("ingest: %d %s", code, body)
	}
	var detail api.VaultDetail
	apiCall(t, srv, "GET", "/api/v1/vaults"+kvDevID, adminToken, &detail)
	if reasons := strings.Join(detail.Vault.Coverage.Reasons, " | "); detail.Vault.Coverage.State != "at-risk" ||
		!strings.Contains(reasons, "no active key decoy (plant.types asks for secret and key)") {
		t.Errorf("a secret alone: %+v", detail.Vault.Coverage)
	}
	if err := srv.Store.AddDecoy(ctx, &registry.Decoy{VaultID: kvDevID, Name: "dev-signing", Type: registry.Key}); err != nil {
		t.Fatal(err)
	}
	apiCall(t, srv, "GET", "/api/v1/vaults"+kvDevID, adminToken, &detail)
	if detail.Vault.Coverage.State != "covered" {
		t.Errorf("a secret and a key: %+v", detail.Vault.Coverage)
	}
}
