package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/auth"
	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/deploy"
	"github.com/honeyvault/honeyvault/internal/ingest/ingesttest"
	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

const kvDriftID = "/subscriptions/" + invSubProd + "/resourceGroups/rg-drift/providers/Microsoft.KeyVault/vaults/kv-drift"

// eve changes decoys outside honeyvault, with the vault's data plane.
var eve = kvemu.Identity{ObjectID: "dddddddd-0000-4000-8000-00000000000d", UPN: "eve@contoso.com", AppID: "dddddddd-0000-4000-8000-0000000000a1"}

var everyPermission = kvemu.Permissions{
	Secrets: []string{"get", "list", "set", "delete", "recover", "backup", "restore", "purge"},
	Keys:    []string{"get", "list", "create", "update", "import", "delete", "recover", "backup", "restore", "purge"},
}

// webhookInbox collects the webhook deliveries of a test server.
type webhookInbox struct {
	mu     sync.Mutex
	bodies [][]byte
}

func (in *webhookInbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	in.mu.Lock()
	in.bodies = append(in.bodies, b)
	in.mu.Unlock()
}

func (in *webhookInbox) titles() []string {
	in.mu.Lock()
	defer in.mu.Unlock()
	var out []string
	for _, b := range in.bodies {
		var p struct {
			Incident struct{ Title, Severity string } `json:"incident"`
		}
		json.Unmarshal(b, &p)
		out = append(out, p.Incident.Severity+" "+p.Incident.Title)
	}
	return out
}

// driftLab is an emulator holding kv-drift, where the planter and
// eve may do anything with secrets and keys, and a server discovering
// it that sends notifications to a webhook. skew moves the emulator's
// clock.
type driftLab struct {
	e     *kvemu.Emulator
	srv   *background
	inbox *webhookInbox
	skew  *atomic.Int64
	cfg   config.Config
	over  deploy.Overrides
}

// newDriftLab starts the lab's server with reconcile off the schedule (the
// test runs it).
func newDriftLab(t *testing.T) *driftLab {
	t.Helper()
	return newDriftLabWith(t, nil)
}

// newDriftLabWith is newDriftLab with the settings changed by set.
func newDriftLabWith(t *testing.T, set func(*config.Config)) *driftLab {
	t.Helper()
	l := &driftLab{skew: new(atomic.Int64), inbox: &webhookInbox{}}
	e, err := kvemu.New(kvemu.Options{Now: func() time.Time { return time.Now().Add(time.Duration(l.skew.Load())) }, ReuseRSAKeys: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	l.e = e
	if err := e.AddSubscription(kvemu.Subscription{ID: invSubProd, DisplayName: "Contoso Production"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateVault(kvemu.VaultSpec{SubscriptionID: invSubProd, ResourceGroup: "rg-drift", Name: "kv-drift", Location: "westeurope",
		AccessPolicies: []kvemu.AccessPolicy{
			{TenantID: kvemu.DefaultTenantID, ObjectID: invPlanter.ObjectID, Permissions: everyPermission},
			{TenantID: kvemu.DefaultTenantID, ObjectID: eve.ObjectID, Permissions: everyPermission},
		}}); err != nil {
		t.Fatal(err)
	}
	co := e.ClientOptions()
	co.Cloud = e.Cloud()
	l.over = deploy.Overrides{Credential: e.Credential(invPlanter), ClientOptions: &co}
	hook := httptest.NewServer(l.inbox)
	t.Cleanup(hook.Close)

	l.cfg = config.Default()
	l.cfg.DB = "sqlite:" + filepath.Join(t.TempDir(), "hv.db")
	l.cfg.AdminToken, l.cfg.IngestToken = adminToken, "ingest-token-for-drift-test"
	l.cfg.Notify.Webhooks = []string{hook.URL + "/hv"}
	// Two of each type (the default types), so that four decoys can drift.
	l.cfg.Plant.Probability, l.cfg.Plant.Max = 1, 2
	if set != nil {
		set(&l.cfg)
	}
	l.start(t, "off")
	return l
}

// start serves the lab's database with reconcile.interval set to every.
func (l *driftLab) start(t *testing.T, every string) {
	t.Helper()
	cfg := l.cfg
	cfg.Reconcile.Interval = every
	cfg.Heartbeat.Interval = "off" // kv-drift streams no audit log: its heartbeats would all be missed
	l.srv = serveInBackground(t, cfg, nil, WithAzure(l.over))
	var list api.VaultList
	ingesttest.Eventually(t, 30*time.Second, "kv-drift discovered", func() bool {
		return apiCall(t, l.srv, "GET", "/api/v1/vaults", adminToken, &list) == 200 && len(list.Vaults) == 1
	})
}

// plant deploys the default types (two of each here) to kv-drift through
// the console's deploy and returns the decoys by type.
func (l *driftLab) plant(t *testing.T) map[registry.Type][]registry.Decoy {
	t.Helper()
	var run api.Run
	if code, body := apiJSON(t, l.srv, "POST", "/api/v1/deploys", adminToken, api.DeployRequest{Vaults: []string{"kv-drift"}}, &run); code != http.StatusAccepted {
		t.Fatalf("plan: %d %s", code, body)
	}
	waitRun(t, l.srv, "deploy", run.ID, "planned")
	if code, body := apiJSON(t, l.srv, "POST", fmt.Sprintf("/api/v1/deploys/%d/confirm", run.ID), adminToken, nil, &run); code != http.StatusAccepted {
		t.Fatalf("confirm: %d %s", code, body)
	}
	if run = waitRun(t, l.srv, "deploy", run.ID, "done"); len(runVault(run, "kv-drift").Result) != 4 {
		t.Fatalf("planted: %+v", run)
	}
	decoys, err := l.srv.Store.ListDecoys(context.Background(), store.DecoyFilter{VaultID: kvDriftID})
	if err != nil {
		t.Fatal(err)
	}
	byType := map[registry.Type][]registry.Decoy{}
	for _, d := range decoys {
		byType[d.Type] = append(byType[d.Type], d)
	}
	if len(byType[registry.Secret]) != 2 || len(byType[registry.Key]) != 2 {
		t.Fatalf("decoys by type: %+v", byType)
	}
	return byType
}

// clients are eve's data-plane clients of kv-drift.
func (l *driftLab) clients(t *testing.T) (*azsecrets.Client, *azkeys.Client) {
	t.Helper()
	cred, co := l.e.Credential(eve), l.e.ClientOptions()
	secrets, err := azsecrets.NewClient(l.e.VaultURL("kv-drift"), cred, &azsecrets.ClientOptions{ClientOptions: co})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := azkeys.NewClient(l.e.VaultURL("kv-drift"), cred, &azkeys.ClientOptions{ClientOptions: co})
	if err != nil {
		t.Fatal(err)
	}
	return secrets, keys
}

// recordReaches ingests one of kv-drift's audit records (a SecretList by
// an application), so that the vault's logs are known to reach honeyvault.
func (l *driftLab) recordReaches(t *testing.T, correlationID string) {
	t.Helper()
	rec := fmt.Sprintf(`{"time":%q,"resourceId":"%s","operationName":"SecretList","category":"AuditEvent","resultType":"Success",`+
		`"correlationId":%q,"callerIpAddress":"10.0.0.1","identity":{"claim":{"oid":"app-oid"}},`+
		`"properties":{"requestUri":"https://kv-drift.vault.azure.net/secrets?api-version=7.4","httpStatusCode":200}}`,
		time.Now().UTC().Format(time.RFC3339), strings.ToUpper(kvDriftID), correlationID)
	if code, body := apiJSON(t, l.srv, "POST", "/api/v1/ingest/azure-keyvault", adminToken, rec, nil); code != http.StatusAccepted {
		t.Fatalf("ingest: %d %s", code, body)
	}
}

// changeAllFour has eve, a minute later by the lab's clock, delete the
// first secret, disable the second, purge the first key and give the
// second a new version, all through kv-drift's data plane; it returns
// those four decoys.
func (l *driftLab) changeAllFour(t *testing.T, byType map[registry.Type][]registry.Decoy) (deleted, disabled, purged, overwritten registry.Decoy) {
	t.Helper()
	ctx := context.Background()
	l.skew.Store(int64(time.Minute))
	secrets, keys := l.clients(t)
	must := mustOK(t)
	deleted, disabled = byType[registry.Secret][0], byType[registry.Secret][1]
	purged, overwritten = byType[registry.Key][0], byType[registry.Key][1]
	must(secrets.DeleteSecret(ctx, deleted.Name, nil))
	must(secrets.UpdateSecretProperties(ctx, disabled.Name, "", azsecrets.UpdateSecretPropertiesParameters{
		SecretAttributes: &azsecrets.SecretAttributes{Enabled: to.Ptr(false)}}, nil))
	must(keys.DeleteKey(ctx, purged.Name, nil))
	must(keys.PurgeDeletedKey(ctx, purged.Name, nil))
	must(keys.CreateKey(ctx, overwritten.Name, azkeys.CreateKeyParameters{Kty: to.Ptr(azkeys.KeyTypeEC), Curve: to.Ptr(azkeys.CurveNameP256)}, nil))
	return deleted, disabled, purged, overwritten
}

// mustOK returns a function that ends t on a call's error, for calls
// whose other result the test does not need.
func mustOK(t *testing.T) func(any, error) {
	return func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
}

// reconcileNow runs POST /api/v1/reconcile as the admin.
func reconcileNow(t *testing.T, srv *background) api.ReconcileReport {
	t.Helper()
	var rep api.ReconcileReport
	if code, body := apiJSON(t, srv, "POST", "/api/v1/reconcile", adminToken, nil, &rep); code != http.StatusOK {
		t.Fatalf("reconcile: %d %s", code, body)
	}
	return rep
}

// A decoy deleted, one purged, one disabled and one overwritten outside
// honeyvault, each by another identity through the vault's data plane:
// serve's reconcile raises exactly one alert, incident and notification
// for each, high, saying what changed and that the caller is unknown, and
// the vault turns at risk; a second run raises nothing new; the deleted
// decoy recovered and the disabled one enabled again resolve their
// findings and note it on their incidents, which stay open for the
// analyst.
func TestDriftBecomesOneAlertPerFinding(t *testing.T) {
	l := newDriftLab(t)
	e, srv, inbox, skew := l.e, l.srv, l.inbox, l.skew
	ctx := context.Background()
	byType := l.plant(t)
	// Its records reach honeyvault: covered.
	l.recordReaches(t, "corr-drift")
	if rep := reconcileNow(t, srv); len(rep.Findings) != 0 || rep.Alerted != 0 || len(rep.Vaults) != 1 || rep.Vaults[0].Checked != 4 || rep.Vaults[0].Error != "" {
		t.Fatalf("clean estate: %+v", rep)
	}
	var detail api.VaultDetail
	apiCall(t, srv, "GET", "/api/v1/vaults"+kvDriftID, adminToken, &detail)
	if detail.Vault.Coverage.State != "covered" {
		t.Fatalf("before the drift: %+v", detail.Vault.Coverage)
	}

	// Eve changes all four a minute later.
	deleted, disabled, purged, overwritten := l.changeAllFour(t, byType)

	rep := reconcileNow(t, srv)
	kinds := map[int64]string{}
	for _, f := range rep.Findings {
		kinds[f.DecoyID] = f.Kind
		if strings.Contains(f.Detail, deleted.Name) || strings.Contains(f.Detail, purged.Name) {
			t.Errorf("a finding's detail names its decoy: %q", f.Detail)
		}
	}
	want := map[int64]string{deleted.ID: "deleted", disabled.ID: "disabled", purged.ID: "gone", overwritten.ID: "new-version"}
	if fmt.Sprint(kinds) != fmt.Sprint(want) || rep.Alerted != 4 {
		t.Fatalf("after the drift: findings %v, %d alerted; want %v, 4 (report %+v)", kinds, rep.Alerted, want, rep)
	}
	wantTitles := []string{
		"high Decoy secret deleted outside honeyvault in kv-drift (caller unknown: found by reconcile)",
		"high Decoy secret disabled outside honeyvault in kv-drift (caller unknown: found by reconcile)",
		"high Decoy key purged outside honeyvault in kv-drift (caller unknown: found by reconcile)",
		"high Decoy key overwritten with a new version outside honeyvault in kv-drift (caller unknown: found by reconcile)",
	}
	ingesttest.Eventually(t, 30*time.Second, "four webhook deliveries", func() bool { return len(inbox.titles()) >= 4 })
	got := strings.Join(inbox.titles(), "\n")
	for _, w := range wantTitles {
		if strings.Count(got, w) != 1 {
			t.Errorf("deliveries lack exactly one %q:\n%s", w, got)
		}
	}
	incidents, err := srv.Store.ListIncidents(ctx, store.IncidentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	alerts, err := srv.Store.ListAlerts(ctx, store.AlertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(incidents) != 4 || len(alerts) != 4 {
		t.Fatalf("%d incidents, %d alerts; want 4 and 4", len(incidents), len(alerts))
	}
	incidentOf := map[int64]store.Incident{}
	for _, a := range alerts {
		if a.Caller.Key() != "" || !strings.HasPrefix(a.Operation, "reconcile/") || a.Severity != "high" {
			t.Errorf("alert: %+v", a)
		}
		for _, in := range incidents {
			if in.ID == a.IncidentID {
				incidentOf[a.DecoyID] = in
			}
		}
	}
	hist, err := srv.Store.IncidentHistory(ctx, incidentOf[overwritten.ID].ID)
	if err != nil {
		t.Fatal(err)
	}
	if h := historyOf(hist, "drift"); !strings.Contains(h, "new version replaced honeyvault's") || !strings.Contains(h, "unknown caller") {
		t.Errorf("the overwritten key's incident history: %+v", hist)
	}
	apiCall(t, srv, "GET", "/api/v1/vaults"+kvDriftID, adminToken, &detail)
	if reasons := strings.Join(detail.Vault.Coverage.Reasons, " | "); detail.Vault.Coverage.State != "at-risk" ||
		!strings.Contains(reasons, "deleted outside honeyvault") || !strings.Contains(reasons, "new version written outside honeyvault") {
		t.Errorf("after the drift: %+v", detail.Vault.Coverage)
	}
	if rows := auditRows(t, srv.Store, "reconcile.run"); len(rows) != 2 || rows[1].Actor != "bootstrap:admin" {
		t.Errorf("audit trail: %+v", rows)
	}

	// A second run finds the same, raises nothing new.
	if rep := reconcileNow(t, srv); len(rep.Findings) != 0 || rep.Alerted != 0 || rep.Recovered != 0 {
		t.Errorf("second run: %+v", rep)
	}
	if n, _ := srv.Store.ListNotifications(ctx, "", "", 100); len(n) != 4 {
		t.Errorf("%d notifications queued after the second run; want 4", len(n))
	}

	// The deleted secret comes back, the disabled one is enabled again
	// (which is no change of its own to raise).
	skew.Store(int64(2 * time.Minute))
	secrets, _ := l.clients(t)
	must := mustOK(t)
	must(secrets.RecoverDeletedSecret(ctx, deleted.Name, nil))
	ingesttest.Eventually(t, 30*time.Second, "the secret recovered", func() bool {
		o, ok, err := e.Object("kv-drift", kvemu.TypeSecret, deleted.Name)
		return err == nil && ok && !o.Deleted
	})
	must(secrets.UpdateSecretProperties(ctx, disabled.Name, "", azsecrets.UpdateSecretPropertiesParameters{
		SecretAttributes: &azsecrets.SecretAttributes{Enabled: to.Ptr(true)}}, nil))
	if rep := reconcileNow(t, srv); len(rep.Findings) != 0 || rep.Alerted != 0 || rep.Recovered != 2 {
		t.Errorf("after the recovery: %+v", rep)
	}
	for _, d := range []registry.Decoy{deleted, disabled} {
		if open, _ := srv.Store.ListFindings(ctx, store.FindingFilter{DecoyID: d.ID, OpenOnly: true}); len(open) != 0 {
			t.Errorf("the recovered decoy's findings are open: %+v", open)
		}
	}
	in, err := srv.Store.GetIncident(ctx, incidentOf[deleted.ID].ID)
	if err != nil {
		t.Fatal(err)
	}
	hist, _ = srv.Store.IncidentHistory(ctx, in.ID)
	if h := historyOf(hist, "recovered"); !strings.Contains(h, "found the decoy secret back") || in.Status == "closed" {
		t.Errorf("the recovered decoy's incident (%s): %+v", in.Status, hist)
	}
	if rep := reconcileNow(t, srv); rep.Recovered != 0 || rep.Alerted != 0 {
		t.Errorf("the recovery was noted twice: %+v", rep)
	}
	if n := len(inbox.titles()); n != 4 {
		t.Errorf("%d webhook deliveries; want 4:\n%s", n, strings.Join(inbox.titles(), "\n"))
	}
}

// historyOf joins the details of the history entries with action.
func historyOf(hist []store.HistoryEntry, action string) string {
	var out []string
	for _, h := range hist {
		if h.Action == action {
			out = append(out, h.Detail)
		}
	}
	return strings.Join(out, " | ")
}

// serve reconciles on its schedule, starting at start: drift made while
// it was down is raised without anyone asking, once.
func TestDriftOnTheSchedule(t *testing.T) {
	l := newDriftLab(t)
	byType := l.plant(t)
	if err := l.srv.stop(); err != nil {
		t.Fatal(err)
	}
	l.skew.Store(int64(time.Minute))
	secrets, _ := l.clients(t)
	if _, err := secrets.DeleteSecret(context.Background(), byType[registry.Secret][0].Name, nil); err != nil {
		t.Fatal(err)
	}
	l.start(t, "1h")
	ctx := context.Background()
	ingesttest.Eventually(t, time.Minute, "one incident and one delivery", func() bool {
		in, err := l.srv.Store.ListIncidents(ctx, store.IncidentFilter{})
		return err == nil && len(in) == 1 && len(l.inbox.titles()) == 1
	})
	if got, want := l.inbox.titles()[0], "high Decoy secret deleted outside honeyvault in kv-drift (caller unknown: found by reconcile)"; got != want {
		t.Errorf("delivered %q; want %q", got, want)
	}
	rows := auditRows(t, l.srv.Store, "decoy.finding")
	if len(rows) != 1 || rows[0].Actor != scheduledActor {
		t.Errorf("decoy.finding rows: %+v; want one by %q", rows, scheduledActor)
	}
	// An admin's run meanwhile waits for the scheduled one and adds nothing.
	if rep := reconcileNow(t, l.srv); rep.Alerted != 0 || len(rep.Findings) != 0 {
		t.Errorf("on-demand run after the scheduled one: %+v", rep)
	}
	// An analyst may not run it.
	analyst := issue(t, l.srv.Store, auth.Analyst)
	if code, _ := apiJSON(t, l.srv, "POST", "/api/v1/reconcile", analyst, nil, nil); code != http.StatusForbidden {
		t.Errorf("analyst: %d; want 403", code)
	}
}
