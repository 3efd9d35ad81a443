package app

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/keyvault/armkeyvault"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/deploy"
	"github.com/honeyvault/honeyvault/internal/ingest/ingesttest"
	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

const (
	kvPayID = "/subscriptions/" + invSubProd + "/resourceGroups/rg-pay/providers/Microsoft.KeyVault/vaults/kv-pay"
	kvDevID = "/subscriptions/" + invSubDev + "/resourceGroups/rg-dev/providers/Microsoft.KeyVault/vaults/kv-dev"
	// activityHub is where both subscriptions' Activity logs and the
	// vaults' audit logs go: an Event Hub whose messages a forwarder pushes
	// to honeyvault's ingest endpoint.
	activityHub = "/subscriptions/" + invSubProd + "/resourceGroups/rg-soc/providers/Microsoft.EventHub/namespaces/hv-soc/authorizationRules/RootManageSharedAccessKey"
)

// mallory is the outsider who covers her tracks.
var mallory = kvemu.Identity{ObjectID: "bbbbbbbb-0000-4000-8000-00000000000e", UPN: "mallory@contoso.com", AppID: "04b07795-8ddb-461a-bbee-02f9e1bf7b46", IPAddress: "203.0.113.7"}

// tamperEnv is serve watching the inventory estate with one decoy in
// kv-pay (kv-dev holds none), every vault's audit log and both
// subscriptions' Activity logs delivered by the emulator to serve's ingest
// endpoint, and a webhook receiver.
type tamperEnv struct {
	e     *kvemu.Emulator
	srv   *background
	over  armOptions
	hooks chan []byte
}

type armOptions struct{ co arm.ClientOptions }

func newTamperEnv(t *testing.T, moreDecoyVaults ...string) *tamperEnv {
	return newTamperEnvWith(t, nil, moreDecoyVaults...)
}

// newTamperEnvWith is newTamperEnv with the configuration changed by edit
// (before the decoys are stored: edit may move the database) and, when
// edit is set, serve signed in to the emulator as the planter
// (WithAzure), for discovery and the diagnostics check; each of
// moreDecoyVaults holds a decoy too.
func newTamperEnvWith(t *testing.T, edit func(*config.Config), moreDecoyVaults ...string) *tamperEnv {
	t.Helper()
	e, over := inventoryEstate(t)
	env := &tamperEnv{e: e, hooks: make(chan []byte, 10), over: armOptions{arm.ClientOptions{ClientOptions: *over.ClientOptions}}}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		env.hooks <- b
	}))
	t.Cleanup(hook.Close)

	cfg := config.Default()
	cfg.DB = "sqlite:" + filepath.Join(t.TempDir(), "hv.db")
	cfg.AdminToken, cfg.IngestToken = adminToken, "ingest-token-for-tamper-test"
	cfg.Notify.Webhooks = []string{hook.URL + "/hv"}
	cfg.ExternalURL = "https://hv.example.com"
	// Updates to an incident are sent at once, not batched for 30 s.
	cfg.Incidents.BatchInterval = 0
	var opts []Option
	if edit != nil {
		edit(&cfg)
		opts = append(opts, WithAzure(over))
	}
	st, err := store.Open(context.Background(), cfg.DB)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.AddDecoy(context.Background(), &registry.Decoy{VaultID: kvPayID, Name: "payments-db-password", Type: registry.Secret}); err != nil {
		t.Fatal(err)
	}
	for _, v := range moreDecoyVaults {
		if err := st.AddDecoy(context.Background(), &registry.Decoy{VaultID: v, Name: "orders-api-key", Type: registry.Secret}); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	env.srv = serveInBackground(t, cfg, nil, opts...)

	sink := &kvemu.HTTPSink{URL: env.srv.url("/api/v1/ingest/azure-keyvault"), BearerToken: cfg.IngestToken}
	if err := e.RegisterDestination(activityHub, sink, kvemu.DeliveryOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{invSubProd, invSubDev} {
		if err := e.SetSubscriptionDiagnosticSetting(sub, kvemu.DiagnosticSetting{Name: "activity-to-soc", EventHubAuthorizationRuleID: activityHub,
			Logs: []kvemu.LogSettings{{Category: kvemu.CategoryAdministrative, Enabled: true}}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range []string{"kv-pay", "kv-dev"} {
		if err := e.SetDiagnosticSetting(v, kvemu.DiagnosticSetting{Name: "audit-to-soc", EventHubAuthorizationRuleID: activityHub,
			Logs: []kvemu.LogSettings{{CategoryGroup: "audit", Enabled: true}}}); err != nil {
			t.Fatal(err)
		}
	}
	return env
}

// arm sends one management request as id through the Azure SDK's ARM
// pipeline and returns the status.
func (env *tamperEnv) arm(t *testing.T, id kvemu.Identity, method, path string, body any) int {
	t.Helper()
	c, err := arm.NewClient("honeyvault-test", "v0.0.1", env.e.Credential(id), &env.over.co)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := runtime.NewRequest(ctx, method, runtime.JoinPaths(env.over.co.Cloud.Services[cloud.ResourceManager].Endpoint, path))
	if err != nil {
		t.Fatal(err)
	}
	req.Raw().URL.RawQuery = "api-version=2021-05-01-preview"
	if body != nil {
		if err := runtime.MarshalAsJSON(req, body); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := c.Pipeline().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// grantSelf adds id to vault's access policies through armkeyvault, as an
// outsider does before reading secrets.
func (env *tamperEnv) grantSelf(t *testing.T, id kvemu.Identity, sub, rg, vault string) {
	t.Helper()
	cl, err := armkeyvault.NewVaultsClient(sub, env.e.Credential(id), &env.over.co)
	if err != nil {
		t.Fatal(err)
	}
	_, err = cl.UpdateAccessPolicy(context.Background(), rg, vault, armkeyvault.AccessPolicyUpdateKindAdd, armkeyvault.VaultAccessPolicyParameters{
		Properties: &armkeyvault.VaultAccessPolicyProperties{AccessPolicies: []*armkeyvault.AccessPolicyEntry{{
			TenantID: to.Ptr(kvemu.DefaultTenantID), ObjectID: to.Ptr(id.ObjectID),
			Permissions: &armkeyvault.Permissions{Secrets: []*armkeyvault.SecretPermissions{to.Ptr(armkeyvault.SecretPermissionsGet), to.Ptr(armkeyvault.SecretPermissionsList)}},
		}}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
}

// webhookPayload is SPEC.md's webhook body, with the tamper alert's words.
type webhookPayload struct {
	Incident struct {
		ID       int64  `json:"id"`
		Title    string `json:"title"`
		Severity string `json:"severity"`
		VaultID  string `json:"vault_id"`
	} `json:"incident"`
	Alerts []struct {
		Operation string `json:"operation"`
		Token     string `json:"token"`
		Change    string `json:"change"`
		Resource  string `json:"resource"`
		Caller    struct {
			ObjectID string `json:"object_id"`
			UPN      string `json:"upn"`
			IP       string `json:"ip"`
		} `json:"caller"`
	} `json:"alerts"`
}

// notification waits for the next webhook delivery.
func (env *tamperEnv) notification(t *testing.T) webhookPayload {
	t.Helper()
	select {
	case b := <-env.hooks:
		var p webhookPayload
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatalf("%v: %s", err, b)
		}
		return p
	case <-time.After(time.Minute):
		t.Fatal("no webhook delivery within a minute")
	}
	return webhookPayload{}
}

// stored waits until n activity records of operation op on vault are
// stored: detection has decided on them (alerts commit with their events).
func (env *tamperEnv) stored(t *testing.T, vault, op string, n int) {
	t.Helper()
	ingesttest.Eventually(t, time.Minute, vault+" "+op+" stored", func() bool {
		evs, err := env.srv.Store.ListEvents(context.Background(), store.EventFilter{Kind: auditlog.KindActivity, VaultName: vault})
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for _, ev := range evs {
			if strings.EqualFold(ev.Event.Operation, op) {
				got++
			}
		}
		return got >= n
	})
}

func (env *tamperEnv) incidents(t *testing.T) []store.Incident {
	t.Helper()
	ins, err := env.srv.Store.ListIncidents(context.Background(), store.IncidentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return ins
}

// Deleting the diagnostic setting of a vault without decoys raises
// nothing; deleting a decoy vault's raises exactly one incident with the
// original's title and one webhook naming the operation, the caller and
// the change.
func TestTamperDiagnosticSettingDeleted(t *testing.T) {
	env := newTamperEnv(t)
	if code := env.arm(t, mallory, "DELETE", kvDevID+"/providers/Microsoft.Insights/diagnosticSettings/audit-to-soc", nil); code != http.StatusOK {
		t.Fatalf("delete kv-dev's setting: %d", code)
	}
	env.stored(t, "kv-dev", "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE", 2) // Start and Success
	if ins := env.incidents(t); len(ins) != 0 {
		t.Fatalf("a vault without decoys raised %d incidents: %+v", len(ins), ins[0])
	}

	if code := env.arm(t, mallory, "DELETE", kvPayID+"/providers/Microsoft.Insights/diagnosticSettings/audit-to-soc", nil); code != http.StatusOK {
		t.Fatalf("delete kv-pay's setting: %d", code)
	}
	p := env.notification(t)
	if p.Incident.Title != "HoneyTokens: KeyVault HoneyTokens diagnostic settings deleted or changed" || p.Incident.Severity != "high" ||
		!strings.EqualFold(p.Incident.VaultID, kvPayID) {
		t.Errorf("incident %+v", p.Incident)
	}
	if len(p.Alerts) != 1 {
		t.Fatalf("%d alerts; want 1", len(p.Alerts))
	}
	a := p.Alerts[0]
	if a.Operation != "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE" || a.Caller.UPN != mallory.UPN || a.Caller.ObjectID != mallory.ObjectID ||
		a.Caller.IP != mallory.IPAddress || a.Token != "" || !strings.HasPrefix(a.Change, "deleted a diagnostic setting") ||
		!strings.HasSuffix(strings.ToLower(a.Resource), "/diagnosticsettings/audit-to-soc") {
		t.Errorf("alert %+v", a)
	}
	env.stored(t, "kv-pay", "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE", 2)
	if ins := env.incidents(t); len(ins) != 1 || ins[0].AlertCount != 1 || ins[0].DecoyCount != 0 {
		t.Errorf("incidents %+v; want one of one alert", ins)
	}
	select {
	case b := <-env.hooks:
		t.Errorf("a second notification: %s", b)
	default:
	}
}

// A refused deletion of a decoy vault's diagnostic setting is an attempt
// to cut the audit path: it alerts. A refused access-policy change does
// not.
func TestTamperFailedDeletionAlerts(t *testing.T) {
	env := newTamperEnv(t)
	env.e.DenyManagement(mallory.ObjectID, true)
	if code := env.arm(t, mallory, "PUT", kvPayID+"/accessPolicies/add", map[string]any{"properties": map[string]any{"accessPolicies": []any{}}}); code != http.StatusForbidden {
		t.Fatalf("refused access-policy change: %d", code)
	}
	env.stored(t, "kv-pay", "Microsoft.KeyVault/vaults/accessPolicies/write", 2)
	if ins := env.incidents(t); len(ins) != 0 {
		t.Fatalf("a refused access-policy change raised %+v", ins[0])
	}
	if code := env.arm(t, mallory, "DELETE", kvPayID+"/providers/Microsoft.Insights/diagnosticSettings/audit-to-soc", nil); code != http.StatusForbidden {
		t.Fatalf("refused delete: %d", code)
	}
	p := env.notification(t)
	if p.Incident.Title != "HoneyTokens: KeyVault HoneyTokens diagnostic settings deleted or changed" || len(p.Alerts) != 1 ||
		p.Alerts[0].Operation != "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE" || !strings.HasPrefix(p.Alerts[0].Change, "tried and failed to delete") {
		t.Errorf("notification %+v", p)
	}
	if code := env.arm(t, mallory, "GET", kvPayID+"/providers/Microsoft.Insights/diagnosticSettings/audit-to-soc", nil); code != http.StatusOK {
		t.Errorf("the setting after a refused delete: %d", code)
	}
}

// An outsider granting herself access to a decoy vault raises one
// incident naming her and the change.
func TestTamperAccessPolicyGrant(t *testing.T) {
	env := newTamperEnv(t)
	env.grantSelf(t, mallory, invSubProd, "rg-pay", "kv-pay")
	p := env.notification(t)
	if p.Incident.Title != "HoneyTokens: KeyVault HoneyTokens vault access changed" || p.Incident.Severity != "medium" || len(p.Alerts) != 1 {
		t.Fatalf("notification %+v", p)
	}
	if a := p.Alerts[0]; a.Operation != "MICROSOFT.KEYVAULT/VAULTS/ACCESSPOLICIES/WRITE" || a.Caller.UPN != mallory.UPN ||
		a.Change != "changed the vault's access policies" {
		t.Errorf("alert %+v", a)
	}
	if ins := env.incidents(t); len(ins) != 1 {
		t.Errorf("%d incidents; want 1", len(ins))
	}
}

// The planter's own temporary grant on a decoy vault (plant
// --grant-temporary adds what it lacks, plants, then removes it) raises
// nothing: both access-policy writes are kept as suppressed hits of the
// rule the deployer stored for them.
func TestTamperPlantersTemporaryGrantIsQuiet(t *testing.T) {
	env := newTamperEnv(t)
	ctx := context.Background()
	pc := config.DefaultPlant()
	pc.GrantTemporary, pc.Subscriptions = true, []string{invSubProd}
	co := env.over.co.ClientOptions
	d, err := deploy.Setup(ctx, pc, env.srv.Store, deploy.Overrides{Credential: env.e.Credential(invPlanter), ClientOptions: &co}, nil)
	if err != nil {
		t.Fatal(err)
	}
	vaults, _, err := deploy.Targets(ctx, d.Azure, pc.Subscriptions, []string{"kv-pay"}, false)
	if err != nil || len(vaults) != 1 {
		t.Fatalf("targets %v: %v", vaults, err)
	}
	runs, err := d.Deploy(ctx, vaults, nil)
	if err != nil {
		t.Fatal(err)
	}
	// kv-pay holds its decoy already: the run grants, lists, finds it
	// covered and removes the grant — both changes on a decoy vault.
	if r := runs[0]; r.Err != nil || r.Grant == nil || !r.Grant.Removed {
		t.Fatalf("deploy with a temporary grant: err %v, grant %+v", r.Err, r.Grant)
	}
	env.stored(t, "kv-pay", "MICROSOFT.KEYVAULT/VAULTS/ACCESSPOLICIES/WRITE", 4) // grant and removal, Start and Success each
	if ins := env.incidents(t); len(ins) != 0 {
		t.Fatalf("the planter's grant raised %+v", ins[0])
	}
	yes := true
	hits, err := env.srv.Store.ListAlerts(ctx, store.AlertFilter{Suppressed: &yes, Vault: "kv-pay"})
	if err != nil {
		t.Fatal(err)
	}
	grants := 0
	for _, h := range hits {
		if strings.EqualFold(h.Operation, "MICROSOFT.KEYVAULT/VAULTS/ACCESSPOLICIES/WRITE") && h.AllowedBy == invPlanter.ObjectID {
			grants++
		}
	}
	if grants != 2 {
		t.Errorf("%d suppressed access-policy hits by the planter; want 2 (grant and removal): %+v", grants, hits)
	}
	// Mallory's grant right after is not covered.
	env.grantSelf(t, mallory, invSubProd, "rg-pay", "kv-pay")
	if p := env.notification(t); len(p.Alerts) != 1 || p.Alerts[0].Caller.UPN != mallory.UPN {
		t.Errorf("notification %+v", p)
	}
}

// Closing a decoy vault's firewall and then deleting the vault: the
// firewall change alerts as a vault change to check (Azure logs the request
// body on the Started record only), the deletion joins the same incident
// and raises it to high.
func TestTamperVaultChangedThenDeleted(t *testing.T) {
	env := newTamperEnv(t)
	acl := map[string]any{"properties": map[string]any{"networkAcls": map[string]any{"defaultAction": "Deny", "bypass": "None"}}}
	if code := env.arm(t, mallory, "PATCH", kvPayID, acl); code != http.StatusOK {
		t.Fatalf("patch: %d", code)
	}
	p := env.notification(t)
	if p.Incident.Title != "HoneyTokens: KeyVault HoneyTokens vault deleted or changed" || p.Incident.Severity != "medium" || len(p.Alerts) != 1 ||
		p.Alerts[0].Operation != "MICROSOFT.KEYVAULT/VAULTS/WRITE" || !strings.Contains(p.Alerts[0].Change, "check its access policies and network rules") {
		t.Fatalf("notification %+v", p)
	}
	if code := env.arm(t, mallory, "DELETE", kvPayID, nil); code != http.StatusOK {
		t.Fatalf("delete: %d", code)
	}
	p = env.notification(t)
	if p.Incident.ID != 1 || p.Incident.Severity != "high" || len(p.Alerts) != 1 || p.Alerts[0].Operation != "MICROSOFT.KEYVAULT/VAULTS/DELETE" ||
		p.Alerts[0].Change != "deleted the vault" {
		t.Errorf("update %+v", p)
	}
	if ins := env.incidents(t); len(ins) != 1 || ins[0].AlertCount != 2 {
		t.Errorf("incidents %+v; want one of two alerts", ins)
	}
}
