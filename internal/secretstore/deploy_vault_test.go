package secretstore_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/secretstore"
	"github.com/honeyvault/honeyvault/internal/store"
)

const (
	secretID = "vault://corp-vault/secret"
	teamID   = "vault://corp-vault/kv/team-a"
)

func TestDeployVaultPlantsIntoEstate(t *testing.T) {
	e := newEnv(t, []string{"secret/", "kv/team-a/"})
	before := map[string][]string{"secret/": e.emu.Paths("secret/"), "kv/team-a/": e.emu.Paths("kv/team-a/")}
	d := e.deployer(plant.Quantity{P: 0.6, Max: 3})
	var log progressLog
	runs, err := d.Deploy(context.Background(), e.stores(d), log.report)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 {
		t.Fatalf("%d runs; want one per mount", len(runs))
	}
	rules, err := e.store.AllowRules(context.Background(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		if r.Err != nil || len(r.Planted) == 0 || len(r.Planted) != len(r.Plan.Decoys) || len(r.Unsettled) != 0 {
			t.Fatalf("run %s: err %v, %d planted of %d", r.Store.Name, r.Err, len(r.Planted), len(r.Plan.Decoys))
		}
		if p := log.last(r.Store.Name); p.Phase != secretstore.PhaseDone || p.Done != len(r.Planted) {
			t.Errorf("last progress of %s: %+v; want done with %d", r.Store.Name, p, len(r.Planted))
		}
		mount := strings.TrimPrefix(r.Store.ID, "vault://corp-vault/") + "/"
		dirs := map[string]bool{}
		for _, p := range before[mount] {
			dirs[p[:strings.LastIndexByte(p, '/')+1]] = true
		}
		pds := e.decoys(r.Store.ID)
		if len(pds) != len(r.Planted) {
			t.Fatalf("registry holds %d decoys of %s; want %d", len(pds), r.Store.Name, len(r.Planted))
		}
		for _, pd := range pds {
			if pd.Status != registry.Active || pd.Planting == nil || pd.Planting.State != store.Planted ||
				pd.Planting.PlantedBy != "ent-planter" || pd.Planting.Object.ValueHash == "" || pd.Planting.Object.Version != "1" {
				t.Errorf("decoy %+v planting %+v: want active, planted by ent-planter, hashed, version 1", pd.Decoy, pd.Planting)
			}
			if !slices.Contains(e.emu.Paths(mount), pd.Name) {
				t.Errorf("decoy %q is not in mount %s", pd.Name, mount)
			}
			if slices.Contains(before[mount], pd.Name) || !dirs[pd.Name[:strings.LastIndexByte(pd.Name, '/')+1]] {
				t.Errorf("decoy %q: want a new path in a directory of the estate", pd.Name)
			}
			got, err := e.root.KVv2(strings.TrimSuffix(mount, "/")).Get(context.Background(), pd.Name)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Data) == 0 || !strings.HasPrefix(got.CustomMetadata["owner"].(string), "team-") {
				t.Errorf("decoy %q: data %d fields, custom_metadata %v: want fields and the neighbours' owner", pd.Name, len(got.Data), got.CustomMetadata)
			}
			i := slices.IndexFunc(rules, func(r store.AllowRule) bool { return r.DecoyID == pd.ID })
			if i < 0 || rules[i].Identity != "ent-planter" || !slices.Equal(rules[i].Operations, []string{"vault:create", "vault:update"}) ||
				rules[i].Expires.Sub(e.clock.Now()) != secretstore.DefaultAllowFor {
				t.Errorf("decoy %q: allow rule %+v: want ent-planter's vault:create and vault:update for an hour", pd.Name, rules[max(i, 0)])
			}
		}
	}
	// Deploying again plants nothing: every mount is covered.
	again, err := d.Deploy(context.Background(), e.stores(d), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range again {
		if r.Err != nil || len(r.Plan.Decoys) != 0 || !slices.Equal(r.Plan.Covered, []registry.Type{registry.Secret}) {
			t.Errorf("second run of %s: err %v, %d decoys, covered %v; want none, covered", r.Store.Name, r.Err, len(r.Plan.Decoys), r.Plan.Covered)
		}
	}
}

func TestPrepareIsADryRun(t *testing.T) {
	e := newEnv(t, []string{"secret/"})
	before := e.emu.Paths("secret/")
	d := e.deployer(plant.Quantity{P: 1, Max: 4})
	runs, err := d.Prepare(context.Background(), e.stores(d), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].Err != nil || len(runs[0].Plan.Decoys) != 4 {
		t.Fatalf("runs %+v: want one plan of 4 decoys", runs)
	}
	if got := e.emu.Paths("secret/"); !slices.Equal(got, before) {
		t.Errorf("paths changed by a dry run: %v", got)
	}
	if pds := e.decoys(secretID); len(pds) != 0 {
		t.Errorf("registry holds %d decoys after a dry run", len(pds))
	}
}

func TestDeployVaultRefusedStoreDoesNotStopTheOthers(t *testing.T) {
	// The token may list kv/team-a but not write there: its creates are
	// refused, its records taken back; secret/ is planted all the same.
	e := newEnv(t, []string{"secret/", "kv/team-a/"}, "secret")
	before := e.emu.Paths("kv/team-a/")
	d := e.deployer(plant.Quantity{P: 1, Max: 2})
	runs, err := d.Deploy(context.Background(), e.stores(d), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		switch r.Store.ID {
		case teamID:
			if !errors.Is(r.Err, secretstore.ErrForbidden) || len(r.Planted)+len(r.Unsettled) != 0 {
				t.Errorf("kv/team-a: err %v, %d planted, %d unsettled; want refused, nothing", r.Err, len(r.Planted), len(r.Unsettled))
			}
			if r.Err != nil && strings.Contains(r.Err.Error(), r.Plan.Decoys[0].Name) {
				t.Errorf("error %q names the decoy", r.Err)
			}
		case secretID:
			if r.Err != nil || len(r.Planted) != 2 {
				t.Errorf("secret: err %v, %d planted; want 2", r.Err, len(r.Planted))
			}
		}
	}
	if pds := e.decoys(teamID); len(pds) != 0 {
		t.Errorf("registry holds %d decoys of the refused mount", len(pds))
	}
	if got := e.emu.Paths("kv/team-a/"); !slices.Equal(got, before) {
		t.Errorf("refused mount's paths changed: %v", got)
	}
}

func TestRetireVault(t *testing.T) {
	e := newEnv(t, []string{"secret/"})
	d := e.deployer(plant.Quantity{P: 1, Max: 2})
	if _, err := d.Deploy(context.Background(), e.stores(d), nil); err != nil {
		t.Fatal(err)
	}
	var decoys []registry.Decoy
	for _, pd := range e.decoys(secretID) {
		decoys = append(decoys, pd.Decoy)
	}
	res, err := d.Retire(context.Background(), decoys, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil || !r.Deleted {
			t.Errorf("retire %q: %+v", r.Decoy.Name, r)
		}
		if slices.Contains(e.emu.Paths("secret/"), r.Decoy.Name) {
			t.Errorf("%q still in the mount", r.Decoy.Name)
		}
	}
	for _, pd := range e.decoys(secretID) {
		if pd.Status != registry.Retired {
			t.Errorf("%q is %s; want retired", pd.Name, pd.Status)
		}
	}
	rules, _ := e.store.AllowRules(context.Background(), time.Time{})
	if !slices.ContainsFunc(rules, func(r store.AllowRule) bool { return slices.Equal(r.Operations, []string{"vault:delete"}) }) {
		t.Errorf("no allow rule for the planter's delete among %+v", rules)
	}
	// Retired decoys are left alone the second time.
	for i := range decoys {
		decoys[i].Status = registry.Retired
	}
	res, _ = d.Retire(context.Background(), decoys, nil)
	for _, r := range res {
		if r.Note != "already retired" || r.Err != nil {
			t.Errorf("second retire of %q: %+v", r.Decoy.Name, r)
		}
	}
}

func TestReconcileVault(t *testing.T) {
	e := newEnv(t, []string{"secret/"})
	d := e.deployer(plant.Quantity{P: 1, Max: 2})
	if _, err := d.Deploy(context.Background(), e.stores(d), nil); err != nil {
		t.Fatal(err)
	}
	pds := e.decoys(secretID)
	gone := pds[0]
	if err := e.root.KVv2("secret").DeleteMetadata(context.Background(), gone.Name); err != nil {
		t.Fatal(err)
	}
	res, err := d.Reconcile(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Err != nil || res[0].Checked != len(pds) || len(res[0].Findings) != 1 || res[0].Findings[0].DecoyID != gone.ID || res[0].Findings[0].Kind != store.FindingGone {
		t.Fatalf("reconcile: %+v; want one finding: decoy %d gone", res, gone.ID)
	}
	for _, pd := range e.decoys(secretID) {
		if want := map[bool]registry.Status{true: registry.Missing, false: registry.Active}[pd.ID == gone.ID]; pd.Status != want {
			t.Errorf("%q is %s; want %s", pd.Name, pd.Status, want)
		}
	}
	// Back again (restored from a backup): active, its finding resolved.
	if _, err := e.root.KVv2("secret").Put(context.Background(), gone.Name, map[string]any{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	if res, err = d.Reconcile(context.Background(), []string{secretID}); err != nil || res[0].Err != nil {
		t.Fatalf("reconcile: %v %+v", err, res)
	}
	for _, pd := range e.decoys(secretID) {
		if pd.Status != registry.Active {
			t.Errorf("%q is %s after it came back; want active", pd.Name, pd.Status)
		}
	}
	open, _ := e.store.ListFindings(context.Background(), store.FindingFilter{OpenOnly: true})
	if len(open) != 0 {
		t.Errorf("open findings %+v after the decoy came back", open)
	}
}

func TestReconcileSettlesPendingVault(t *testing.T) {
	// Two creates that got no clear answer: one reached the mount, one
	// did not. Reconcile completes the first at once and drops the second
	// once it is older than a planting run could be.
	e := newEnv(t, []string{"secret/"})
	d := e.deployer(plant.Quantity{})
	landed := registry.Decoy{VaultID: secretID, VaultName: "corp-vault/secret", Name: "apps/payments/ledger-api-key", Type: registry.Secret, CreatedBy: "t", CreatedAt: e.clock.Now(), Status: registry.Active}
	lost := landed
	lost.Name = "apps/payments/ledger-db-password"
	if err := e.store.BeginPlanting(context.Background(), []store.NewPlanting{{Decoy: &landed, PlantedBy: "ent-planter"}, {Decoy: &lost, PlantedBy: "ent-planter"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.root.KVv2("secret").Put(context.Background(), landed.Name, map[string]any{"api_key": "x"}); err != nil {
		t.Fatal(err)
	}
	res, err := d.Reconcile(context.Background(), nil)
	if err != nil || res[0].Err != nil || res[0].Settled != 1 {
		t.Fatalf("first reconcile: %v %+v; want the landed create settled", err, res)
	}
	e.clock.Advance(11 * time.Minute)
	if res, err = d.Reconcile(context.Background(), nil); err != nil || res[0].Err != nil || res[0].Settled != 1 {
		t.Fatalf("second reconcile: %v %+v; want the lost create dropped", err, res)
	}
	pds := e.decoys(secretID)
	if len(pds) != 1 || pds[0].ID != landed.ID || pds[0].Planting.State != store.Planted {
		t.Errorf("registry %+v: want only the landed decoy, planted", pds)
	}
}
