package deploy

import (
	"context"
	"github.com/honeyvault/honeyvault/internal/testenv"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/keyvault/armkeyvault"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"

	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

func TestReconcileFindsChangesOutsideHoneyvault(t *testing.T) {
	clk := testenv.NewClock(time.Now().UTC().Truncate(time.Second))
	e := newEnvOpts(t, kvemu.Options{Now: clk.Now})
	ctx := context.Background()
	owned := append(policyFor(planterID, allPerms), policyFor(ownerID, allPerms)...)
	v := e.vault(kvemu.VaultSpec{Name: "kv-watched", AccessPolicies: owned}, "db-password", "api-key")
	doomed := e.vault(kvemu.VaultSpec{Name: "kv-doomed", AccessPolicies: owned}, "db-password")
	d := e.deployer(plant.Settings{Types: []registry.Type{registry.Secret, registry.Key, registry.Certificate}, Quantity: plant.Quantity{P: 1, Max: 2}})
	if _, err := e.emu.SeedKey(v.Name, kvemu.KeySeed{Name: "orders-signing", Type: "EC"}); err != nil {
		t.Fatal(err)
	}
	runs, err := d.Deploy(ctx, []azure.Vault{v, doomed}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		if r.Err != nil || len(r.Planted) != 6 {
			t.Fatalf("%s: planted %d: %v", r.Vault.Name, len(r.Planted), r.Err)
		}
	}
	// A clean estate has no findings.
	res, err := d.Reconcile(ctx, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil || len(r.Findings) != 0 || r.Checked != 6 {
			t.Fatalf("clean %s: %+v", r.Vault, r)
		}
	}

	// Someone else changes things a little later.
	clk.Advance(3 * time.Second)
	byType := map[registry.Type][]string{}
	for _, pd := range e.decoys(v.Name) {
		byType[pd.Type] = append(byType[pd.Type], pd.Name)
	}
	for _, names := range byType {
		sort.Strings(names)
	}
	owner, err := e.owner.DataPlane(e.azVault(v.Name))
	if err != nil {
		t.Fatal(err)
	}
	cred := e.emu.Credential(ownerID)
	co := e.emu.ClientOptions()
	secrets, _ := azsecrets.NewClient(v.URI, cred, &azsecrets.ClientOptions{ClientOptions: co})
	keys, _ := azkeys.NewClient(v.URI, cred, &azkeys.ClientOptions{ClientOptions: co})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(owner.Delete(ctx, registry.Secret, byType[registry.Secret][0]))
	_, err = secrets.UpdateSecretProperties(ctx, byType[registry.Secret][1], "", azsecrets.UpdateSecretPropertiesParameters{Tags: map[string]*string{"owner": to.Ptr("mallory")}}, nil)
	must(err)
	_, err = keys.UpdateKey(ctx, byType[registry.Key][0], "", azkeys.UpdateKeyParameters{KeyAttributes: &azkeys.KeyAttributes{Enabled: to.Ptr(false)}}, nil)
	must(err)
	_, err = owner.CreateKey(ctx, byType[registry.Key][1], azure.KeyParams{Type: "EC", Curve: "P-256"})
	must(err)
	must(owner.CreateCertificate(ctx, byType[registry.Certificate][0], azure.CertificateParams{Subject: "CN=evil.example.com", Key: azure.KeyParams{Type: "EC", Curve: "P-256"}}))
	must(owner.Delete(ctx, registry.Certificate, byType[registry.Certificate][1]))
	must(owner.Purge(ctx, registry.Certificate, byType[registry.Certificate][1]))
	vc, _ := armkeyvault.NewVaultsClient(subA, cred, e.emu.ARMClientOptions())
	_, err = vc.Delete(ctx, "rg-apps", doomed.Name, nil)
	must(err)

	before := len(e.auditOps())
	res, err = d.Reconcile(ctx, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]store.FindingKind{
		byType[registry.Secret][0]:      store.FindingDeleted,
		byType[registry.Secret][1]:      store.FindingChanged,
		byType[registry.Key][0]:         store.FindingDisabled,
		byType[registry.Key][1]:         store.FindingNewVersion,
		byType[registry.Certificate][0]: store.FindingNewVersion,
		byType[registry.Certificate][1]: store.FindingGone,
	}
	got := map[string]store.FindingKind{}
	vaultGone := 0
	for _, r := range res {
		if r.Err != nil {
			t.Errorf("%s: %v", r.Vault, r.Err)
		}
		for _, f := range r.Findings {
			dec, err := e.store.GetDecoy(ctx, f.DecoyID)
			must(err)
			if f.Kind == store.FindingVaultGone {
				vaultGone++
				continue
			}
			got[dec.Name] = f.Kind
		}
	}
	for name, kind := range want {
		if got[name] != kind {
			t.Errorf("%s: finding %q; want %q", name, got[name], kind)
		}
	}
	if len(got) != len(want) || vaultGone != 6 {
		t.Errorf("findings: %v and %d vault-gone; want %v and 6", got, vaultGone, want)
	}
	statuses := map[string]registry.Status{}
	for _, pd := range append(e.decoys(v.Name), e.decoys(doomed.Name)...) {
		statuses[pd.Name+"@"+pd.VaultName] = pd.Status
	}
	for name, st := range statuses {
		missing := strings.HasSuffix(name, "@"+doomed.Name) || strings.HasPrefix(name, byType[registry.Secret][0]+"@") ||
			strings.HasPrefix(name, byType[registry.Certificate][1]+"@")
		if missing != (st == registry.Missing) {
			t.Errorf("%s: status %s", name, st)
		}
	}
	// Reconcile only lists: it touches no decoy, so it raises no alert.
	for _, op := range e.auditOps()[before:] {
		if op.name != "" {
			t.Errorf("reconcile named an object: %s %s", op.op, op.name)
		}
	}

	// Findings stay open once: a second pass adds none.
	res, _ = d.Reconcile(ctx, nil, nil)
	for _, r := range res {
		if len(r.Findings) != 0 {
			t.Errorf("%s: repeated findings %+v", r.Vault, r.Findings)
		}
	}
	// The deleted secret comes back: active again, its finding resolved.
	_, err = secrets.RecoverDeletedSecret(ctx, byType[registry.Secret][0], nil)
	must(err)
	if _, err := d.Reconcile(ctx, []string{v.ID}, nil); err != nil {
		t.Fatal(err)
	}
	for _, pd := range e.decoys(v.Name) {
		if pd.Name != byType[registry.Secret][0] {
			continue
		}
		open, _ := e.store.ListFindings(ctx, store.FindingFilter{DecoyID: pd.ID, OpenOnly: true})
		if pd.Status != registry.Active || len(open) != 0 {
			t.Errorf("recovered decoy: status %s, open findings %+v", pd.Status, open)
		}
	}
}

func TestReconcileImportedDecoysByExistence(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	v := e.vault(kvemu.VaultSpec{Name: "kv-imported", AccessPolicies: policyFor(planterID, allPerms)}, "legacy-token", "db-password")
	// Decoys from a Sentinel watchlist: honeyvault did not plant them.
	for _, name := range []string{"legacy-token", "vanished-token"} {
		if err := e.store.AddDecoy(ctx, &registry.Decoy{VaultID: v.ID, Name: name, Type: registry.Secret, CreatedBy: "watchlist"}); err != nil {
			t.Fatal(err)
		}
	}
	d := e.deployer(plant.Settings{})
	res, err := d.Reconcile(ctx, nil, nil)
	if err != nil || len(res) != 1 || res[0].Err != nil {
		t.Fatalf("got %+v, %v", res, err)
	}
	if f := res[0].Findings; len(f) != 1 || f[0].Kind != store.FindingGone {
		t.Errorf("findings %+v; want one gone", f)
	}
}
