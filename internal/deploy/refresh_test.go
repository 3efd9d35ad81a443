package deploy

import (
	"context"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/canary"
	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// setsOf counts the SecretSet records of each object in vault.
func (e *env) setsOf(vault string) map[string]int {
	n := map[string]int{}
	for _, op := range e.auditOps() {
		if op.vault == vault && op.op == "SecretSet" {
			n[op.name]++
		}
	}
	return n
}

// A decoy whose version is older than its vault's interval (here the
// fallback: the vault has too few real secrets to learn from) gets exactly
// one new version through the SDK, as the planter, allow-listed, audited,
// and taken as reconcile's baseline; a canary decoy's new value carries a
// new token of the same kind while the old one still names the decoy. A
// decoy within its interval is left alone.
func TestRefreshGivesDecoysPastTheirIntervalOneNewVersion(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	v := e.vault(kvemu.VaultSpec{Name: "kv-orders-prod", AccessPolicies: policyFor(planterID, allPerms)}, "orders-webhook-url")
	d := e.deployer(plant.Settings{Types: []registry.Type{registry.Secret}, Quantity: plant.Quantity{P: 0, Max: 1}})
	cans, err := CanariesOf(config.Canary{Kinds: []string{"http"}, HTTP: config.CanaryHTTP{PublicURL: "https://hooks.contoso-ops.net"}})
	if err != nil {
		t.Fatal(err)
	}
	d.Canaries = cans
	if runs, err := d.Deploy(ctx, []azure.Vault{v}, nil); err != nil || runs[0].Err != nil {
		t.Fatalf("%v %v", err, runs)
	}
	decoys := e.decoys(v.Name)
	if len(decoys) != 1 {
		t.Fatalf("%d decoys planted; want 1", len(decoys))
	}
	dec := decoys[0]
	name := strings.ToLower(dec.Name)
	before, err := e.store.DecoyCanary(ctx, dec.ID)
	if err != nil {
		t.Fatal(err)
	}
	oldValue, err := e.emu.SecretValue(v.Name, dec.Name)
	if err != nil {
		t.Fatal(err)
	}
	fallback := 30 * 24 * time.Hour

	// Within its interval: nothing written.
	res, err := d.Refresh(ctx, fallback)
	if err != nil || len(res) != 1 || res[0].Err != nil || len(res[0].Refreshed) != 0 {
		t.Fatalf("refresh of a new decoy: %v %+v; want nothing refreshed", err, res)
	}
	if res[0].Learned || res[0].Interval != fallback {
		t.Errorf("interval %v (learned %v); want the fallback %v for a vault with one real secret", res[0].Interval, res[0].Learned, fallback)
	}

	// 100 days on, past any jitter of 30 days: one new version.
	later := time.Now().Add(100 * 24 * time.Hour)
	d.Now = func() time.Time { return later }
	res, err = d.Refresh(ctx, fallback)
	if err != nil || len(res) != 1 || res[0].Err != nil || len(res[0].Refreshed) != 1 || res[0].Refreshed[0].ID != dec.ID {
		t.Fatalf("refresh 100 days on: %v %+v; want decoy %d refreshed", err, res, dec.ID)
	}
	if got := e.setsOf(strings.ToLower(v.Name))[name]; got != 2 {
		t.Errorf("%d SecretSet of the decoy; want 2 (planting and one refresh)", got)
	}

	// The new value: same shape, a new token of the same kind; both name the decoy.
	newValue, err := e.emu.SecretValue(v.Name, dec.Name)
	if err != nil {
		t.Fatal(err)
	}
	after, err := e.store.DecoyCanary(ctx, dec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if newValue == oldValue || after.Token == before.Token || after.Kind != before.Kind || canary.FindToken(newValue) != after.Token {
		t.Errorf("after refresh: value changed %v, token %q (was %q), kind %s (was %s), value carries %q",
			newValue != oldValue, after.Token, before.Token, after.Kind, before.Kind, canary.FindToken(newValue))
	}
	if !strings.Contains(newValue, "hooks.contoso-ops.net") {
		t.Errorf("the new value does not point at the HTTP listener")
	}
	for _, tok := range []string{before.Token, after.Token} {
		if _, got, err := e.store.CanaryByToken(ctx, tok); err != nil || got.ID != dec.ID {
			t.Errorf("token %s… after refresh names %d, %v; want decoy %d", tok[:4], got.ID, err, dec.ID)
		}
	}

	// The planter's write is allow-listed, for this decoy only.
	rules, err := e.store.AllowRules(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	refreshRules := 0
	for _, r := range rules {
		if r.DecoyID == dec.ID && r.Identity == planterID.ObjectID && slices.Equal(r.Operations, []string{"SecretSet"}) && strings.Contains(r.Note, "refresh") {
			refreshRules++
		}
	}
	if refreshRules != 1 {
		t.Errorf("%d allow rules for the refresh; want 1 for the planter's SecretSet of this decoy", refreshRules)
	}
	entries, err := e.store.ListAudit(ctx, store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(entries, func(a store.AuditEntry) bool { return a.Action == "decoy.refresh" }) {
		t.Error("no decoy.refresh row in the audit trail")
	}

	// The new version is reconcile's baseline (no drift), and a run right
	// after (the clocks agreeing again) writes nothing more.
	d.Now = nil
	rec, err := d.Reconcile(ctx, nil, nil)
	if err != nil || len(rec) != 1 || rec[0].Err != nil || len(rec[0].Findings) != 0 {
		t.Errorf("reconcile after refresh: %v %+v; want no finding", err, rec)
	}
	if res, err = d.Refresh(ctx, fallback); err != nil || len(res[0].Refreshed) != 0 {
		t.Errorf("a second refresh: %v %+v; want nothing", err, res)
	}
	if got := e.setsOf(strings.ToLower(v.Name))[name]; got != 2 {
		t.Errorf("%d SecretSet of the decoy after a second run; want still 2", got)
	}
}

// A decoy changed outside honeyvault is evidence: refresh leaves it for
// reconcile rather than write over it.
func TestRefreshLeavesADecoyChangedOutsideHoneyvault(t *testing.T) {
	var skew atomic.Int64 // the emulator's clock runs ahead by this many seconds
	e := newEnvOpts(t, kvemu.Options{Now: func() time.Time { return time.Now().Add(time.Duration(skew.Load()) * time.Second) }})
	ctx := context.Background()
	v := e.vault(kvemu.VaultSpec{Name: "kv-billing-prod", AccessPolicies: policyFor(planterID, allPerms)})
	d := e.deployer(plant.Settings{Types: []registry.Type{registry.Secret}, Quantity: plant.Quantity{P: 0, Max: 1}})
	if runs, err := d.Deploy(ctx, []azure.Vault{v}, nil); err != nil || runs[0].Err != nil {
		t.Fatalf("%v %v", err, runs)
	}
	dec := e.decoys(v.Name)[0]
	skew.Store(5) // Key Vault's times have seconds: a later version is a later second
	if _, err := e.emu.SeedSecret(v.Name, kvemu.SecretSeed{Name: dec.Name, Value: "someone-else's"}); err != nil {
		t.Fatal(err)
	}
	before := e.setsOf(strings.ToLower(v.Name))[strings.ToLower(dec.Name)]
	later := time.Now().Add(100 * 24 * time.Hour)
	d.Now = func() time.Time { return later }
	res, err := d.Refresh(ctx, 24*time.Hour)
	if err != nil || len(res) != 1 || len(res[0].Refreshed) != 0 || len(res[0].Skipped) != 1 {
		t.Fatalf("refresh: %v %+v; want the decoy skipped", err, res)
	}
	if after := e.setsOf(strings.ToLower(v.Name))[strings.ToLower(dec.Name)]; after != before {
		t.Errorf("SecretSet of the decoy went from %d to %d; want no write", before, after)
	}
}

// A refresh whose write the vault turns away (here throttled for longer
// than honeyvault waits, by the emulator's per-vault create limit) leaves
// nothing behind: the new value's token names nothing, the planter's
// allow rule for the write is gone, the audit trail says why, and the
// vault holds the old value. The next run, the vault willing, refreshes
// as if the failed one never happened.
func TestRefreshWhoseWriteFailsTakesBackItsTokenAndAllowRule(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	v := e.vault(kvemu.VaultSpec{Name: "kv-billing-prod", AccessPolicies: policyFor(planterID, allPerms)}, "billing-webhook-url")
	d := e.deployer(plant.Settings{Types: []registry.Type{registry.Secret}, Quantity: plant.Quantity{P: 0, Max: 1}})
	cans, err := CanariesOf(config.Canary{Kinds: []string{"http"}, HTTP: config.CanaryHTTP{PublicURL: "https://hooks.contoso-ops.net"}})
	if err != nil {
		t.Fatal(err)
	}
	d.Canaries = cans
	if runs, err := d.Deploy(ctx, []azure.Vault{v}, nil); err != nil || runs[0].Err != nil {
		t.Fatalf("%v %v", err, runs)
	}
	dec := e.decoys(v.Name)[0]
	before, err := e.store.DecoyCanary(ctx, dec.ID)
	if err != nil {
		t.Fatal(err)
	}
	oldValue, err := e.emu.SecretValue(v.Name, dec.Name)
	if err != nil {
		t.Fatal(err)
	}
	refreshRules := func() int {
		t.Helper()
		rules, err := e.store.AllowRules(ctx, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, r := range rules {
			if r.DecoyID == dec.ID && strings.Contains(r.Note, "refresh") {
				n++
			}
		}
		return n
	}

	// The planting's SecretSet fills a one-a-day create limit: the
	// refresh's write is answered 429 with a Retry-After of about a day.
	if err := e.emu.SetFaults(v.Name, kvemu.Faults{Limits: kvemu.Limits{SecretCreate: 1, Window: 24 * time.Hour}}); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(100 * 24 * time.Hour)
	d.Now = func() time.Time { return later }
	res, err := d.Refresh(ctx, 30*24*time.Hour)
	if err != nil || len(res) != 1 || res[0].Err == nil || len(res[0].Refreshed) != 0 {
		t.Fatalf("refresh into a throttled vault: %v %+v; want an error and nothing refreshed", err, res)
	}
	if got, err := e.store.DecoyCanary(ctx, dec.ID); err != nil || got.Token != before.Token {
		t.Errorf("after the failed write the decoy's newest token is %v (%v); want the planted one: the new token must be gone", got.ID, err)
	}
	if n := refreshRules(); n != 0 {
		t.Errorf("%d allow rules for the failed refresh; want 0", n)
	}
	entries, err := e.store.ListAudit(ctx, store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(entries, func(a store.AuditEntry) bool {
		return a.Action == "decoy.refresh-abandoned" && strings.Contains(a.Detail, "refused") && strings.Contains(a.Detail, "token removed")
	}) {
		t.Error("no decoy.refresh-abandoned row saying the write was refused and the token removed")
	}
	if value, err := e.emu.SecretValue(v.Name, dec.Name); err != nil || value != oldValue {
		t.Errorf("the vault's value changed (%v)", err)
	}

	// The vault willing again: one new version, one new token, one rule.
	// (A new deployer: this one holds the vault for the day the 429 asked.)
	if err := e.emu.SetFaults(v.Name, kvemu.Faults{}); err != nil {
		t.Fatal(err)
	}
	d = e.deployer(plant.Settings{Types: []registry.Type{registry.Secret}, Quantity: plant.Quantity{P: 0, Max: 1}})
	d.Canaries, d.Now = cans, func() time.Time { return later }
	res, err = d.Refresh(ctx, 30*24*time.Hour)
	if err != nil || res[0].Err != nil || len(res[0].Refreshed) != 1 {
		t.Fatalf("refresh after the fault: %v %+v; want the decoy refreshed", err, res)
	}
	after, err := e.store.DecoyCanary(ctx, dec.ID)
	if err != nil {
		t.Fatal(err)
	}
	newValue, err := e.emu.SecretValue(v.Name, dec.Name)
	if err != nil || canary.FindToken(newValue) != after.Token || after.Token == before.Token {
		t.Errorf("the new value carries %q; want the decoy's newest token, a new one (%v)", canary.FindToken(newValue), err)
	}
	if n := refreshRules(); n != 1 {
		t.Errorf("%d allow rules for the refresh; want 1", n)
	}
}
