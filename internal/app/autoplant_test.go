package app

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/ingest/ingesttest"
	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
	"github.com/honeyvault/honeyvault/internal/web"
)

// autoRuns are the server's runs auto-planting started, oldest first.
func autoRuns(b *background) []web.Run {
	ds := b.runs
	ds.mu.Lock()
	defer ds.mu.Unlock()
	var out []web.Run
	for _, id := range ds.order {
		if r := ds.runs[id]; r.PlannedBy == autoPlantActor {
			out = append(out, cloneRun(r.Run))
		}
	}
	return out
}

// runCount is how many runs the server holds, whoever started them.
func runCount(b *background) int {
	b.runs.mu.Lock()
	defer b.runs.mu.Unlock()
	return len(b.runs.order)
}

// waitAutoRuns waits until auto-planting has started n runs and all are
// over, and returns them.
func waitAutoRuns(t *testing.T, b *background, n int) []web.Run {
	t.Helper()
	var runs []web.Run
	ingesttest.Eventually(t, 2*time.Minute, fmt.Sprintf("%d auto-plant runs over", n), func() bool {
		runs = autoRuns(b)
		if len(runs) != n {
			return false
		}
		for _, r := range runs {
			if r.State != web.RunDone {
				return false
			}
		}
		return true
	})
	return runs
}

// runVaultNames are a run's vault names, sorted.
func runVaultNames(r web.Run) []string {
	var out []string
	for _, v := range r.Vaults {
		out = append(out, v.Name)
	}
	slices.Sort(out)
	return out
}

// activeDecoys are the active decoys of vault id by type.
func activeDecoys(t *testing.T, st *store.Store, id string) map[registry.Type][]registry.Decoy {
	t.Helper()
	ds, err := st.ListDecoys(context.Background(), store.DecoyFilter{VaultID: id, Status: registry.Active})
	if err != nil {
		t.Fatal(err)
	}
	out := map[registry.Type][]registry.Decoy{}
	for _, d := range ds {
		out[d.Type] = append(out[d.Type], d)
	}
	return out
}

// discoverNow runs POST /api/v1/vaults/discover as the admin: auto-planting
// has decided (and registered its run) when it answers.
func discoverNow(t *testing.T, b *background) {
	t.Helper()
	if code, body := apiJSON(t, b, "POST", "/api/v1/vaults/discover", adminToken, nil, nil); code != http.StatusOK {
		t.Fatalf("discover: %d %s", code, body)
	}
}

// With plant.auto, serve plants at its first discovery, with nobody
// confirming, every vault without decoys not known to be blocked: kv-web
// is planted; kv-pay (its policy shows the planter cannot set secrets) is
// left out; kv-dev and kv-orders fail their preflight and the run says
// why. A vault created later is planted after the next discovery; the
// failed vaults are tried again then, skipped at the discovery after, and
// tried at the one after that. Every run is audited as system (auto-plant)
// and readable through the API.
func TestAutoPlantNewVaults(t *testing.T) {
	e, srv := deployEstateWith(t, func(c *config.Config) { c.Plant.Auto = true })

	first := waitAutoRuns(t, srv, 1)[0]
	if got, want := runVaultNames(first), []string{"kv-dev", "kv-orders", "kv-web"}; !slices.Equal(got, want) {
		t.Fatalf("first run's vaults: %v; want %v", got, want)
	}
	if first.ConfirmedBy != autoPlantActor || first.Error != "" {
		t.Errorf("first run: confirmed by %q, error %q", first.ConfirmedBy, first.Error)
	}
	if got := activeDecoys(t, srv.Store, kvWebID)[registry.Secret]; len(got) != 1 {
		t.Fatalf("kv-web's active secrets: %+v", got)
	} else if _, ok, _ := e.Object("kv-web", kvemu.TypeSecret, got[0].Name); !ok {
		t.Errorf("the emulator's kv-web lacks %s", got[0].Name)
	}
	// The reason is on the run, through the API as in the console.
	var run api.Run
	if code, body := apiJSON(t, srv, "GET", fmt.Sprintf("/api/v1/deploys/%d", first.ID), adminToken, nil, &run); code != http.StatusOK {
		t.Fatalf("GET the run: %d %s", code, body)
	}
	for _, name := range []string{"kv-dev", "kv-orders"} {
		v := runVault(run, name)
		if v.Phase != "failed" || !strings.Contains(v.Error, "secrets/list") || len(v.Result) != 0 {
			t.Errorf("%s in the run: %+v", name, v)
		}
		if objs, _ := e.Objects(name); len(objs) != 0 {
			t.Errorf("%s holds %+v", name, objs)
		}
	}
	if objs, _ := e.Objects("kv-pay"); len(objs) != 0 {
		t.Errorf("kv-pay holds %+v", objs)
	}
	// And on the vault's page in the console.
	const kvDevID = "/subscriptions/" + invSubDev + "/resourceGroups/rg-dev/providers/Microsoft.KeyVault/vaults/kv-dev"
	code, page := apiJSON(t, srv, "GET", "/vaults"+kvDevID, adminToken, nil, nil)
	if code != http.StatusOK {
		t.Fatalf("kv-dev's page: %d", code)
	}
	for _, want := range []string{`id="vault-runs"`, fmt.Sprintf(`href="/deploys/%d"`, first.ID), "system (auto-plant)", "failed: ", "missing secrets/list"} {
		if !strings.Contains(page, want) {
			t.Errorf("kv-dev's page lacks %q", want)
		}
	}
	start, finish := auditRows(t, srv.Store, "deploy.start"), auditRows(t, srv.Store, "deploy.finish")
	if len(start) != 1 || start[0].Actor != autoPlantActor || start[0].Target != fmt.Sprintf("run:%d", first.ID) {
		t.Errorf("deploy.start: %+v", start)
	}
	if len(finish) != 1 || finish[0].Actor != autoPlantActor || !strings.Contains(finish[0].Detail, "2 of 3 vaults failed") {
		t.Errorf("deploy.finish: %+v", finish)
	}
	if plants := auditRows(t, srv.Store, "decoy.plant"); len(plants) != 1 || plants[0].Actor != autoPlantActor {
		t.Errorf("decoy.plant: %+v", plants)
	}

	// A team creates a vault; the next discovery plants it, and tries the
	// two that failed once more.
	const kvNewID = "/subscriptions/" + invSubDev + "/resourceGroups/rg-new/providers/Microsoft.KeyVault/vaults/kv-new"
	if _, err := e.CreateVault(kvemu.VaultSpec{SubscriptionID: invSubDev, ResourceGroup: "rg-new", Name: "kv-new", Location: "westeurope",
		AccessPolicies: []kvemu.AccessPolicy{{TenantID: kvemu.DefaultTenantID, ObjectID: invPlanter.ObjectID,
			Permissions: kvemu.Permissions{Secrets: []string{"get", "list", "set", "delete", "purge"}}}}}); err != nil {
		t.Fatal(err)
	}
	discoverNow(t, srv)
	second := waitAutoRuns(t, srv, 2)[1]
	if got, want := runVaultNames(second), []string{"kv-dev", "kv-new", "kv-orders"}; !slices.Equal(got, want) {
		t.Fatalf("second run's vaults: %v; want %v", got, want)
	}
	if v := runVaultOf(second, "kv-new"); v.Phase != "done" || len(v.Result) != 1 {
		t.Errorf("kv-new in the run: %+v", v)
	}
	if got := activeDecoys(t, srv.Store, kvNewID)[registry.Secret]; len(got) != 1 {
		t.Errorf("kv-new's active secrets: %+v", got)
	}
	var detail api.VaultDetail
	apiCall(t, srv, "GET", "/api/v1/vaults"+kvNewID, adminToken, &detail)
	if len(detail.Honeytokens) != 1 || detail.Vault.Coverage.State == "not-covered" {
		t.Errorf("kv-new after its run: %+v, %+v", detail.Honeytokens, detail.Vault.Coverage)
	}

	// Failed twice: not at the next discovery, but at the one after.
	discoverNow(t, srv)
	if runs := autoRuns(srv); len(runs) != 2 {
		t.Fatalf("a discovery right after a second failure started run %+v", runs[len(runs)-1])
	}
	discoverNow(t, srv)
	third := waitAutoRuns(t, srv, 3)[2]
	if got, want := runVaultNames(third), []string{"kv-dev", "kv-orders"}; !slices.Equal(got, want) {
		t.Errorf("third run's vaults: %v; want %v", got, want)
	}
	if rows := auditRows(t, srv.Store, "deploy.start"); len(rows) != 3 {
		t.Errorf("%d deploy.start rows; want 3", len(rows))
	}
}

// runVaultOf is the vault named name of a run.
func runVaultOf(r web.Run, name string) web.RunVault {
	for _, v := range r.Vaults {
		if v.Name == name {
			return v
		}
	}
	return web.RunVault{}
}

// With plant.auto, a decoy secret deleted and a decoy key purged outside
// honeyvault are replaced after reconcile, and the drift alerts are raised
// all the same; a decoy merely disabled is left for a person: its vault
// still holds an active decoy of each type and no run starts.
func TestAutoPlantReplacesLostDecoys(t *testing.T) {
	l := newDriftLabWith(t, func(c *config.Config) {
		c.Plant.Auto = true
		c.Plant.Probability = 0 // one decoy of each type
	})
	srv, ctx := l.srv, context.Background()
	waitAutoRuns(t, srv, 1)
	before := activeDecoys(t, srv.Store, kvDriftID)
	if len(before[registry.Secret]) != 1 || len(before[registry.Key]) != 1 {
		t.Fatalf("planted at the start: %+v", before)
	}
	secret, key := before[registry.Secret][0], before[registry.Key][0]

	l.skew.Store(int64(time.Minute))
	secrets, keys := l.clients(t)
	if _, err := secrets.DeleteSecret(ctx, secret.Name, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := keys.DeleteKey(ctx, key.Name, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := keys.PurgeDeletedKey(ctx, key.Name, nil); err != nil {
		t.Fatal(err)
	}
	if rep := reconcileNow(t, srv); rep.Alerted != 2 {
		t.Fatalf("reconcile: %+v; want 2 alerted", rep)
	}
	replaced := waitAutoRuns(t, srv, 2)[1]
	if v := runVaultOf(replaced, "kv-drift"); v.Phase != "done" || len(v.Result) != 2 {
		t.Fatalf("the replacement run: %+v", replaced)
	}
	after := activeDecoys(t, srv.Store, kvDriftID)
	if len(after[registry.Secret]) != 1 || len(after[registry.Key]) != 1 || after[registry.Secret][0].ID == secret.ID || after[registry.Key][0].ID == key.ID {
		t.Fatalf("after the replacement: %+v", after)
	}
	for typ, d := range map[string]registry.Decoy{kvemu.TypeSecret: after[registry.Secret][0], kvemu.TypeKey: after[registry.Key][0]} {
		if o, ok, err := l.e.Object("kv-drift", typ, d.Name); err != nil || !ok || o.Deleted {
			t.Errorf("the emulator's kv-drift lacks the replacement %s: %+v %v", typ, o, err)
		}
	}
	// The alerts stay: the replacement hides nothing.
	alerts, err := srv.Store.ListAlerts(ctx, store.AlertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 2 {
		t.Errorf("%d alerts after the replacement; want 2", len(alerts))
	}
	if open, _ := srv.Store.ListFindings(ctx, store.FindingFilter{VaultID: kvDriftID, OpenOnly: true}); len(open) != 2 {
		t.Errorf("open findings after the replacement: %+v", open)
	}
	if rows := auditRows(t, srv.Store, "deploy.finish"); len(rows) != 2 || rows[0].Actor != autoPlantActor || !strings.Contains(rows[0].Detail, "1 secret") {
		t.Errorf("deploy.finish rows: %+v", rows)
	}

	// Disabled: an alert, no replacement.
	l.skew.Store(int64(2 * time.Minute))
	if _, err := secrets.UpdateSecretProperties(ctx, after[registry.Secret][0].Name, "", azsecrets.UpdateSecretPropertiesParameters{
		SecretAttributes: &azsecrets.SecretAttributes{Enabled: to.Ptr(false)}}, nil); err != nil {
		t.Fatal(err)
	}
	if rep := reconcileNow(t, srv); rep.Alerted != 1 || len(rep.Findings) != 1 || rep.Findings[0].Kind != "disabled" {
		t.Fatalf("reconcile after the disabling: %+v", rep)
	}
	if runs := autoRuns(srv); len(runs) != 2 {
		t.Errorf("a disabled decoy started run %+v", runs[len(runs)-1])
	}
}

// With plant.auto off (the default) nothing plants by itself: not the
// vaults serve discovers, new or old, nor a decoy deleted outside
// honeyvault after reconcile.
func TestAutoPlantOff(t *testing.T) {
	t.Run("discovery", func(t *testing.T) {
		e, srv := deployEstate(t)
		if _, err := e.CreateVault(kvemu.VaultSpec{SubscriptionID: invSubDev, ResourceGroup: "rg-new", Name: "kv-new", Location: "westeurope",
			AccessPolicies: []kvemu.AccessPolicy{{TenantID: kvemu.DefaultTenantID, ObjectID: invPlanter.ObjectID,
				Permissions: kvemu.Permissions{Secrets: []string{"get", "list", "set"}}}}}); err != nil {
			t.Fatal(err)
		}
		discoverNow(t, srv)
		var list api.VaultList
		if apiCall(t, srv, "GET", "/api/v1/vaults", adminToken, &list); len(list.Vaults) != 5 {
			t.Fatalf("%d vaults discovered; want 5", len(list.Vaults))
		}
		if n := runCount(srv); srv.autoPlant != nil || n != 0 {
			t.Errorf("auto-planting on by default: %d runs", n)
		}
		if rows := auditRows(t, srv.Store, "deploy."); len(rows) != 0 {
			t.Errorf("deploy rows: %+v", rows)
		}
		for _, name := range []string{"kv-web", "kv-new"} {
			if objs, _ := e.Objects(name); len(objs) != 0 {
				t.Errorf("%s holds %+v", name, objs)
			}
		}
	})
	t.Run("reconcile", func(t *testing.T) {
		l := newDriftLab(t)
		byType := l.plant(t)
		l.skew.Store(int64(time.Minute))
		secrets, _ := l.clients(t)
		for _, d := range byType[registry.Secret] {
			if _, err := secrets.DeleteSecret(context.Background(), d.Name, nil); err != nil {
				t.Fatal(err)
			}
		}
		if rep := reconcileNow(t, l.srv); rep.Alerted != 2 {
			t.Fatalf("reconcile: %+v; want 2 alerted", rep)
		}
		if n := runCount(l.srv); n != 1 {
			t.Errorf("%d runs after reconcile; want the console's one", n)
		}
		if got := activeDecoys(t, l.srv.Store, kvDriftID)[registry.Secret]; len(got) != 0 {
			t.Errorf("secrets replaced: %+v", got)
		}
	})
}
