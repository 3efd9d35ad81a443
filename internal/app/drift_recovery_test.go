package app

import (
	"context"
	"fmt"
	"net/http"
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
	"github.com/honeyvault/honeyvault/internal/testenv"
)

// coverageOf reads kv-drift's coverage as GET /api/v1/vaults/{id} shows it.
func (l *driftLab) coverageOf(t *testing.T) api.Coverage {
	t.Helper()
	var detail api.VaultDetail
	if code := apiCall(t, l.srv, "GET", "/api/v1/vaults"+kvDriftID, adminToken, &detail); code != http.StatusOK {
		t.Fatalf("GET kv-drift: %d", code)
	}
	return detail.Vault.Coverage
}

// driftReasons are the coverage reasons that name a change outside
// honeyvault (an open finding).
func driftReasons(c api.Coverage) []string {
	var out []string
	for _, r := range c.Reasons {
		if strings.Contains(r, "outside honeyvault") {
			out = append(out, r)
		}
	}
	return out
}

// Recovery clears what drift set in coverage: a decoy recovered and one
// enabled again resolve their findings and their reasons leave the
// vault's coverage at once, while the purged and the overwritten decoy,
// which cannot come back, keep the vault at risk until they are retired;
// planted afresh, the vault is covered again. None of it raises a fifth
// alert or notification, and the four incidents stay open for the analyst.
// On SQLite and PostgreSQL.
func TestDriftRecoveryClearsCoverage(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { driftRecoveryClearsCoverage(t, newDriftLab(t)) })
	t.Run("postgres", func(t *testing.T) {
		driftRecoveryClearsCoverage(t, newDriftLabWith(t, func(c *config.Config) { c.DB = testenv.Postgres(t) }))
	})
}

func driftRecoveryClearsCoverage(t *testing.T, l *driftLab) {
	ctx := context.Background()
	byType := l.plant(t)
	l.recordReaches(t, "corr-drift-recovery")
	if c := l.coverageOf(t); c.State != "covered" {
		t.Fatalf("before the drift: %+v", c)
	}

	deleted, disabled, purged, overwritten := l.changeAllFour(t, byType)
	if rep := reconcileNow(t, l.srv); rep.Alerted != 4 {
		t.Fatalf("after the drift: %+v; want 4 alerted", rep)
	}
	c := l.coverageOf(t)
	if got := driftReasons(c); c.State != "at-risk" || len(got) != 4 {
		t.Fatalf("after the drift: %+v; want at risk for 4 changes", c)
	}
	ingesttest.Eventually(t, 30*time.Second, "four webhook deliveries", func() bool { return len(l.inbox.titles()) >= 4 })

	// The deleted secret is recovered, the disabled one enabled again.
	l.skew.Store(int64(2 * time.Minute))
	secrets, _ := l.clients(t)
	must := mustOK(t)
	must(secrets.RecoverDeletedSecret(ctx, deleted.Name, nil))
	ingesttest.Eventually(t, 30*time.Second, "the secret recovered", func() bool {
		o, ok, err := l.e.Object("kv-drift", kvemu.TypeSecret, deleted.Name)
		return err == nil && ok && !o.Deleted
	})
	must(secrets.UpdateSecretProperties(ctx, disabled.Name, "", azsecrets.UpdateSecretPropertiesParameters{
		SecretAttributes: &azsecrets.SecretAttributes{Enabled: to.Ptr(true)}}, nil))
	if rep := reconcileNow(t, l.srv); rep.Recovered != 2 || rep.Alerted != 0 {
		t.Fatalf("after the recovery: %+v; want 2 recovered, none alerted", rep)
	}
	c = l.coverageOf(t)
	got := strings.Join(driftReasons(c), " | ")
	if c.State != "at-risk" || strings.Contains(got, "deleted outside honeyvault (still recoverable)") || strings.Contains(got, "disabled outside honeyvault") ||
		!strings.Contains(got, "purged outside honeyvault") || !strings.Contains(got, "new version written outside honeyvault") {
		t.Errorf("after the recovery: %+v; want only the purged and overwritten keys' reasons", c)
	}

	// The two keys cannot come back: the analyst retires them.
	var run api.Run
	if code, body := apiJSON(t, l.srv, "POST", "/api/v1/retires", adminToken, api.RetireRequest{Decoys: []int64{purged.ID, overwritten.ID}}, &run); code != http.StatusAccepted {
		t.Fatalf("plan the retirement: %d %s", code, body)
	}
	waitRun(t, l.srv, "retire", run.ID, "planned")
	if code, body := apiJSON(t, l.srv, "POST", fmt.Sprintf("/api/v1/retires/%d/confirm", run.ID), adminToken, nil, &run); code != http.StatusAccepted {
		t.Fatalf("confirm the retirement: %d %s", code, body)
	}
	waitRun(t, l.srv, "retire", run.ID, "done")
	if c := l.coverageOf(t); len(driftReasons(c)) != 0 {
		t.Errorf("after retiring the keys: %+v; want no change outside honeyvault left", c)
	}
	// Retiring closed their findings; the next run notes it on their
	// incidents, in those words.
	if open, _ := l.srv.Store.ListFindings(ctx, store.FindingFilter{VaultID: kvDriftID, OpenOnly: true}); len(open) != 0 {
		t.Errorf("open findings after the retirement: %+v", open)
	}
	if rep := reconcileNow(t, l.srv); rep.Recovered != 2 || rep.Alerted != 0 {
		t.Errorf("the run after the retirement: %+v; want 2 notes, no alert", rep)
	}
	notes := 0
	ins, err := l.srv.Store.ListIncidents(ctx, store.IncidentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range ins {
		hist, _ := l.srv.Store.IncidentHistory(ctx, in.ID)
		notes += strings.Count(historyOf(hist, "recovered"), "the decoy key was retired")
	}
	if notes != 2 {
		t.Errorf("%d incidents noted that their key was retired; want 2", notes)
	}

	// Planted afresh, the vault is covered again.
	if code, body := apiJSON(t, l.srv, "POST", "/api/v1/deploys", adminToken, api.DeployRequest{Vaults: []string{"kv-drift"}}, &run); code != http.StatusAccepted {
		t.Fatalf("plan: %d %s", code, body)
	}
	waitRun(t, l.srv, "deploy", run.ID, "planned")
	if code, body := apiJSON(t, l.srv, "POST", fmt.Sprintf("/api/v1/deploys/%d/confirm", run.ID), adminToken, nil, &run); code != http.StatusAccepted {
		t.Fatalf("confirm: %d %s", code, body)
	}
	waitRun(t, l.srv, "deploy", run.ID, "done")
	if c := l.coverageOf(t); c.State != "covered" {
		t.Errorf("planted again: %+v; want covered", c)
	}
	if rep := reconcileNow(t, l.srv); rep.Alerted != 0 || len(rep.Findings) != 0 {
		t.Errorf("reconcile after the replanting: %+v; want nothing new", rep)
	}
	if n, _ := l.srv.Store.ListNotifications(ctx, "", "", 100); len(n) != 4 {
		t.Errorf("%d notifications queued; want the 4 of the drift", len(n))
	}
	ins, err = l.srv.Store.ListIncidents(ctx, store.IncidentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range ins {
		if in.Status == "closed" {
			t.Errorf("incident %d closed by recovery; the analyst closes it", in.ID)
		}
	}
	if len(ins) != 4 {
		t.Errorf("%d incidents; want 4", len(ins))
	}
}

// A finding recorded by honeyvault reconcile (no alert yet) whose decoy a
// person retires before serve's next run is still raised by that run,
// once: the change happened whatever was done about it since.
func TestDriftFindingRetiredBeforeItsAlertIsRaised(t *testing.T) {
	l := newDriftLab(t)
	ctx := context.Background()
	byType := l.plant(t)
	d := byType[registry.Key][0]
	who := store.AuditEntry{Actor: "alice@contoso.com"}
	f := store.Finding{DecoyID: d.ID, VaultID: kvDriftID, Kind: store.FindingGone, Detail: "key neither in the vault nor among its deleted objects (purged)"}
	if _, err := l.srv.Store.AddFinding(ctx, &f, who); err != nil {
		t.Fatal(err)
	}
	memo := "purged"
	who.Action = "decoy.retire"
	if err := l.srv.Store.SetDecoyStatus(ctx, d.ID, registry.Retired, &memo, who); err != nil {
		t.Fatal(err)
	}
	if rep := reconcileNow(t, l.srv); rep.Alerted != 1 {
		t.Fatalf("the run after the retirement: %+v; want the finding raised", rep)
	}
	ingesttest.Eventually(t, 30*time.Second, "one webhook delivery", func() bool { return len(l.inbox.titles()) == 1 })
	if got, want := l.inbox.titles()[0], "high Decoy key purged outside honeyvault in kv-drift (caller unknown: found by reconcile)"; got != want {
		t.Errorf("delivered %q; want %q", got, want)
	}
	if rep := reconcileNow(t, l.srv); rep.Alerted != 0 {
		t.Errorf("raised twice: %+v", rep)
	}
}
