package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/kvemu"
)

// plant entra plants the app's secret, read from the environment, as the
// decoy it names; bad usage (no secret, a bad app id, a vault the planter
// may not write) changes nothing.
func TestPlantEntraVerb(t *testing.T) {
	emu, db := plantEstate(t)
	const app = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
	args := func(vault, appID string) []string {
		return []string{"plant", "entra", "--db", db, "--vault", vault, "--name", "orders-reconcile-sp-secret", "--app-id", appID, "--tenant-id", kvemu.DefaultTenantID}
	}
	t.Setenv(entraSecretEnv, "")
	if code, _, stderr := runNames(t, "", args("kv-orders-prod", app)...); code != 2 || !strings.Contains(stderr, entraSecretEnv) {
		t.Errorf("no secret: exit %d, %s; want 2 naming %s", code, stderr, entraSecretEnv)
	}
	t.Setenv(entraSecretEnv, "Q7b8Q~s0me.client-secret_value")
	if code, _, stderr := runNames(t, "", args("kv-orders-prod", "not-a-guid")...); code != 2 || !strings.Contains(stderr, "GUID") {
		t.Errorf("bad app id: exit %d, %s; want 2", code, stderr)
	}
	if code, _, stderr := runNames(t, "", args("kv-locked", app)...); code != 1 {
		t.Errorf("a vault the planter may not write: exit %d, %s; want 1", code, stderr)
	}
	if got := registryOf(t, db); len(got) != 0 {
		t.Fatalf("refused runs recorded %d decoys", len(got))
	}
	code, out, stderr := runNames(t, "", args("kv-orders-prod", strings.ToUpper(app))...)
	if code != 0 || !strings.Contains(out, "an Entra ID canary for app "+app) {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
	if strings.Contains(out+stderr, "Q7b8Q~") {
		t.Error("the secret was printed")
	}
	got := registryOf(t, db)
	if len(got) != 1 || got[0].Name != "orders-reconcile-sp-secret" {
		t.Fatalf("registry %+v", got)
	}
	raw, err := emu.SecretValue("kv-orders-prod", "orders-reconcile-sp-secret")
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]string
	if err := json.Unmarshal([]byte(raw), &v); err != nil || v["appId"] != app || v["password"] != "Q7b8Q~s0me.client-secret_value" || v["tenant"] != kvemu.DefaultTenantID {
		t.Errorf("value %v (%v); want az's create-for-rbac JSON", v, err)
	}
}
