package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/deploy"
	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

const plantSub = "11111111-1111-4111-8111-111111111111"

var (
	cliPlanter = kvemu.Identity{ObjectID: "aaaaaaaa-1111-4111-8111-000000000001", UPN: "planter@contoso.com", AppID: "04b07795-8ddb-461a-bbee-02f9e1bf7b46"}
	cliOwner   = kvemu.Identity{ObjectID: "bbbbbbbb-2222-4222-8222-000000000002", UPN: "owner@contoso.com", AppID: "04b07795-8ddb-461a-bbee-02f9e1bf7b46"}
	everything = kvemu.Permissions{Secrets: []string{"all"}, Keys: []string{"all"}, Certificates: []string{"all"}}
)

// plantEstate starts an emulator with three vaults (one the planter may not
// write to), points the plant verbs at it and returns it with a database.
func plantEstate(t *testing.T) (*kvemu.Emulator, string) {
	t.Helper()
	emu, err := kvemu.New(kvemu.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	both := []kvemu.AccessPolicy{
		{TenantID: kvemu.DefaultTenantID, ObjectID: cliPlanter.ObjectID, Permissions: everything},
		{TenantID: kvemu.DefaultTenantID, ObjectID: cliOwner.ObjectID, Permissions: everything},
	}
	for _, spec := range []kvemu.VaultSpec{
		{Name: "kv-orders-prod", AccessPolicies: both},
		{Name: "kv-billing-prod", AccessPolicies: both},
		{Name: "kv-locked", AccessPolicies: both[1:]},
	} {
		spec.SubscriptionID, spec.ResourceGroup = plantSub, "rg-apps"
		if _, err := emu.CreateVault(spec); err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"orders-db-password", "orders-api-key", "orders-smtp-password"} {
			if _, err := emu.SeedSecret(spec.Name, kvemu.SecretSeed{Name: s, Value: "v"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	co := emu.ClientOptions()
	co.Cloud = emu.Cloud()
	old := plantOverrides
	plantOverrides = deploy.Overrides{Credential: emu.Credential(cliPlanter), ClientOptions: &co}
	t.Cleanup(func() { plantOverrides = old })
	return emu, "sqlite:" + filepath.Join(t.TempDir(), "hv.db")
}

func registryOf(t *testing.T, dsn string) []registry.Decoy {
	t.Helper()
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ds, err := st.ListDecoys(context.Background(), store.DecoyFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func TestPlantVerb(t *testing.T) {
	emu, db := plantEstate(t)

	// A dry run prints the plan and changes nothing.
	code, out, stderr := runNames(t, "", "plant", "--db", db, "--vault", "kv-orders-prod", "--vault", "kv-locked", "--dry-run", "--types", "secret,key")
	if code != 1 {
		t.Errorf("dry run with a vault it cannot plant: exit %d; want 1\n%s\n%s", code, out, stderr)
	}
	for _, want := range []string{"keep this output private", "kv-orders-prod  (subscription " + plantSub + ", access policies", "  + secret", "  + key",
		"kv-locked", "! cannot plant", "az keyvault set-policy --subscription " + plantSub + " --resource-group rg-apps --name kv-locked --object-id " + cliPlanter.ObjectID,
		"would be created in 1 vaults", "1 vaults cannot be planted"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(stderr, "signed in as planter@contoso.com") || !strings.Contains(stderr, "keep it private") {
		t.Errorf("stderr: %s", stderr)
	}
	if got := registryOf(t, db); len(got) != 0 {
		t.Fatalf("a dry run recorded %d decoys", len(got))
	}

	// Planting all: the locked vault fails, the others are planted.
	code, out, stderr = runNames(t, "", "plant", "--db", db, "--all", "--types", "secret,key")
	if code != 1 {
		t.Errorf("exit %d; want 1 (one vault failed)\n%s\n%s", code, out, stderr)
	}
	for _, want := range []string{"VAULT", "kv-orders-prod   2  ", "kv-billing-prod  2  ", "kv-locked        0  ", "failed", "4 decoys planted in 3 vaults",
		"kv-locked: missing secrets/list (observed: list call refused (403))", "  fix: az keyvault set-policy"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(stderr, "3/3 vaults, 4 decoys to plant, 1 failed") || !strings.Contains(stderr, "2/2 vaults, 4 decoys planted") {
		t.Errorf("progress: %s", stderr)
	}
	decoys := registryOf(t, db)
	if len(decoys) != 4 {
		t.Fatalf("%d decoys recorded; want 4", len(decoys))
	}
	for _, d := range decoys {
		if _, found, _ := emu.Object(d.VaultName, string(d.Type), d.Name); !found {
			t.Errorf("%s %s recorded but not in %s", d.Type, d.Name, d.VaultName)
		}
		if strings.Contains(stderr, d.Name) || strings.Contains(out[strings.Index(out, "VAULT"):], d.Name) {
			t.Errorf("progress or the final table names decoy %s", d.Name)
		}
	}

	// Again: covered, nothing new.
	code, out, _ = runNames(t, "", "plant", "--db", db, "--vault", "kv-orders-prod", "--types", "secret,key")
	if code != 0 || !strings.Contains(out, "covered") || !strings.Contains(out, "0 decoys planted") {
		t.Errorf("second run: exit %d\n%s", code, out)
	}
	if got := len(registryOf(t, db)); got != 4 {
		t.Errorf("second run recorded %d decoys; want 4", got)
	}

	// Reconcile: clean, then a decoy deleted by someone else.
	code, out, _ = runNames(t, "", "reconcile", "--db", db)
	if code != 0 || !strings.Contains(out, "2 vaults checked, 0 new findings") {
		t.Errorf("reconcile: exit %d\n%s", code, out)
	}
	owner := ownerClient(t, emu)
	v, err := owner.Vault(context.Background(), decoys[0].VaultID)
	if err != nil {
		t.Fatal(err)
	}
	vc, _ := owner.DataPlane(v)
	if err := vc.Delete(context.Background(), decoys[0].Type, decoys[0].Name); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runNames(t, "", "reconcile", "--db", db, "--vault", decoys[0].VaultName)
	if code != 1 || !strings.Contains(out, "deleted outside honeyvault") || !strings.Contains(out, "1 new findings") || strings.Contains(out, decoys[0].Name) {
		t.Errorf("reconcile after a delete: exit %d\n%s", code, out)
	}

	// Retire a vault's decoys, purged.
	code, out, _ = runNames(t, "", "retire", "--db", db, "--vault", "kv-billing-prod", "--dry-run")
	if code != 0 || !strings.Contains(out, "2 decoys would be deleted (soft delete)") {
		t.Errorf("retire dry run: exit %d\n%s", code, out)
	}
	code, out, stderr = runNames(t, "", "retire", "--db", db, "--vault", "kv-billing-prod", "--purge")
	if code != 0 || strings.Count(out, "retired, purged") != 2 {
		t.Errorf("retire: exit %d\n%s\n%s", code, out, stderr)
	}
	for _, d := range registryOf(t, db) {
		if d.VaultName == "kv-billing-prod" && d.Status != registry.Retired {
			t.Errorf("%d: status %s after retire", d.ID, d.Status)
		}
	}
}

func TestPlantVerbsBadUsage(t *testing.T) {
	_, db := plantEstate(t)
	tests := []struct {
		args []string
		msg  string
	}{
		{args: []string{"plant", "--db", db}, msg: "--vault or use --all"},
		{args: []string{"plant", "--db", db, "--all", "--vault", "kv-orders-prod"}, msg: "not both"},
		{args: []string{"plant", "--db", db, "--vault", "kv-nowhere"}, msg: "kv-nowhere"},
		{args: []string{"plant", "--db", db, "--vault", "not a vault!"}, msg: "neither a vault name"},
		{args: []string{"plant", "--db", db, "--all", "--types", "secret,password"}, msg: "password"},
		{args: []string{"plant", "--db", db, "--all", "--probability", "1.5"}, msg: "plant.probability"},
		{args: []string{"plant", "--db", db, "--all", "--secret-keywords", "honey-pot"}, msg: "honey"},
		{args: []string{"retire", "--db", db}, msg: "one of --id, --vault or --all"},
		{args: []string{"retire", "--db", db, "--id", "42"}, msg: "no decoy 42"},
		{args: []string{"retire", "--db", db, "--vault", "kv-orders-prod"}, msg: "no active decoy in vault"},
		{args: []string{"reconcile", "--db", db, "--vault", "kv-orders-prod"}, msg: "no decoy in vault"},
	}
	for _, tt := range tests {
		code, out, stderr := runNames(t, "", tt.args...)
		if code != 2 || !strings.Contains(stderr, tt.msg) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q (stdout %q)", tt.args, code, stderr, tt.msg, out)
		}
	}
	if got := registryOf(t, db); len(got) != 0 {
		t.Errorf("bad usage recorded %d decoys", len(got))
	}
}

func ownerClient(t *testing.T, emu *kvemu.Emulator) *azure.Client {
	t.Helper()
	co := emu.ClientOptions()
	co.Cloud = emu.Cloud()
	c, err := azure.New(azure.Options{Credential: emu.Credential(cliOwner), ClientOptions: co})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
