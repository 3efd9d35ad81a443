package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/auth"
	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/ingest/ingesttest"
	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/honeyvault/honeyvault/internal/store"
)

// kvWebID is the vault of deployEstate the planter may plant into.
const kvWebID = "/subscriptions/" + invSubDev + "/resourceGroups/rg-web/providers/Microsoft.KeyVault/vaults/kv-web"

// deployEstate is inventoryEstate plus kv-web, where the planter's access
// policy allows planting and retiring secrets; serve discovers it at
// start. kv-pay's policy lets the planter list secrets but not set them.
func deployEstate(t *testing.T) (*kvemu.Emulator, *background) {
	t.Helper()
	return deployEstateWith(t, nil)
}

// deployEstateWith is deployEstate with the settings changed by set.
func deployEstateWith(t *testing.T, set func(*config.Config)) (*kvemu.Emulator, *background) {
	t.Helper()
	e, over := inventoryEstate(t)
	if _, err := e.CreateVault(kvemu.VaultSpec{SubscriptionID: invSubDev, ResourceGroup: "rg-web", Name: "kv-web", Location: "westeurope",
		AccessPolicies: []kvemu.AccessPolicy{{TenantID: kvemu.DefaultTenantID, ObjectID: invPlanter.ObjectID,
			Permissions: kvemu.Permissions{Secrets: []string{"get", "list", "set", "delete", "purge"}}}}}); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.DB = "sqlite:" + filepath.Join(t.TempDir(), "hv.db")
	cfg.AdminToken = adminToken
	cfg.Inventory.Interval = "1h"
	// kv-web's policy covers secrets only: plant just those (the default
	// plants a key too).
	cfg.Plant.Types = []string{"secret"}
	if set != nil {
		set(&cfg)
	}
	srv := serveInBackground(t, cfg, nil, WithAzure(over))
	var list api.VaultList
	ingesttest.Eventually(t, 30*time.Second, "four vaults discovered", func() bool {
		return apiCall(t, srv, "GET", "/api/v1/vaults", adminToken, &list) == 200 && len(list.Vaults) == 4
	})
	return e, srv
}

// apiJSON sends body as JSON and decodes a 2xx answer into out; it returns
// the status and the raw answer.
func apiJSON(t *testing.T, b *background, method, path, token string, body, out any) (int, string) {
	t.Helper()
	var rd io.Reader
	if s, ok := body.(string); ok {
		rd = strings.NewReader(s)
	} else if body != nil {
		buf, _ := json.Marshal(body)
		rd = bytes.NewReader(buf)
	}
	req, _ := http.NewRequest(method, b.url(path), rd)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode/100 == 2 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return resp.StatusCode, string(raw)
}

// waitRun polls run id until its state is want.
func waitRun(t *testing.T, b *background, kind string, id int64, want string) api.Run {
	t.Helper()
	var run api.Run
	ingesttest.Eventually(t, 2*time.Minute, fmt.Sprintf("%s run %d %s", kind, id, want), func() bool {
		code, _ := apiJSON(t, b, "GET", fmt.Sprintf("/api/v1/%ss/%d", kind, id), adminToken, nil, &run)
		return code == 200 && run.State == want
	})
	return run
}

func runVault(run api.Run, name string) api.RunVault {
	for _, v := range run.Vaults {
		if v.Name == name {
			return v
		}
	}
	return api.RunVault{}
}

func issue(t *testing.T, st *store.Store, role auth.Role, scope ...string) string {
	t.Helper()
	sc, err := auth.ParseScope(scope)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := auth.IssueToken(context.Background(), st, auth.TokenRequest{Role: role, Scope: sc}, store.AuditEntry{Actor: "test"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// auditRows lists the audit trail's actions that start with prefix.
func auditRows(t *testing.T, st *store.Store, action string) []store.AuditEntry {
	t.Helper()
	rows, err := st.ListAudit(context.Background(), store.AuditFilter{Action: action})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// An admin plans a deploy to two vaults over the API: the plan names the
// decoy for kv-web and, for kv-pay, the permission the planter lacks with
// the fix; confirmed, it plants kv-web as `honeyvault plant` would (in the
// emulator and in the registry), refuses a second run on a busy vault,
// fails kv-pay with its fix, records the run in the audit trail, and
// kv-web turns covered once its records arrive. Retiring the decoy works
// the same way.
func TestConsoleDeployAndRetire(t *testing.T) {
	e, srv := deployEstate(t)

	var run api.Run
	if code, body := apiJSON(t, srv, "POST", "/api/v1/deploys", adminToken, api.DeployRequest{Vaults: []string{kvWebID, "kv-pay"}}, &run); code != http.StatusAccepted {
		t.Fatalf("plan: %d %s", code, body)
	}
	run = waitRun(t, srv, "deploy", run.ID, "planned")
	web, pay := runVault(run, "kv-web"), runVault(run, "kv-pay")
	if len(web.Planned) != 1 || web.Planned[0].Type != "secret" || web.Planned[0].Name == "" || len(web.Findings) != 0 {
		t.Fatalf("kv-web's plan: %+v", web)
	}
	if len(pay.Planned) != 0 || len(pay.Findings) != 1 || !pay.Findings[0].Blocking ||
		!strings.Contains(pay.Findings[0].Problem, "missing secrets/set") || !strings.Contains(strings.Join(pay.Findings[0].Fix, " "), "az keyvault set-policy") {
		t.Fatalf("kv-pay's plan: %+v", pay)
	}
	if objs, _ := e.Objects("kv-web"); len(objs) != 0 {
		t.Fatalf("the plan created %+v", objs)
	}
	shown := web.Planned[0].Name
	if rows := auditRows(t, srv.Store, "deploy.start"); len(rows) != 0 {
		t.Errorf("a plan was audited as started: %+v", rows)
	}

	// The first request to kv-web is throttled for 10 s: the run is
	// still under way when the second plan comes.
	if err := e.SetFaults("kv-web", kvemu.Faults{ThrottleNext: 1, RetryAfter: 10 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if code, body := apiJSON(t, srv, "POST", fmt.Sprintf("/api/v1/deploys/%d/confirm", run.ID), adminToken, nil, &run); code != http.StatusAccepted || run.State != "running" {
		t.Fatalf("confirm: %d %s", code, body)
	}
	if code, body := apiJSON(t, srv, "POST", fmt.Sprintf("/api/v1/deploys/%d/confirm", run.ID), adminToken, nil, nil); code != http.StatusConflict || !strings.Contains(body, "confirmed already") {
		t.Errorf("second confirm: %d %s", code, body)
	}
	if code, body := apiJSON(t, srv, "POST", "/api/v1/retires", adminToken, api.RetireRequest{Vaults: []string{"kv-web"}}, nil); code != http.StatusBadRequest {
		t.Errorf("retire of a vault without decoys: %d %s", code, body)
	}
	if code, body := apiJSON(t, srv, "POST", "/api/v1/deploys", adminToken, api.DeployRequest{Vaults: []string{"kv-web"}}, nil); code != http.StatusConflict || !strings.Contains(body, "kv-web has a deploy under way") {
		t.Errorf("overlapping plan: %d %s", code, body)
	}

	run = waitRun(t, srv, "deploy", run.ID, "done")
	web, pay = runVault(run, "kv-web"), runVault(run, "kv-pay")
	if web.Phase != "done" || len(web.Result) != 1 || web.Error != "" {
		t.Fatalf("kv-web after the run: %+v", web)
	}
	if web.Result[0].Name != shown {
		t.Errorf("planted %s; the plan showed %s", web.Result[0].Name, shown)
	}
	if pay.Phase != "failed" || !strings.Contains(pay.Error, "az keyvault set-policy") || len(pay.Result) != 0 {
		t.Errorf("kv-pay after the run: %+v", pay)
	}
	name := web.Result[0].Name
	if o, ok, err := e.Object("kv-web", kvemu.TypeSecret, name); err != nil || !ok || o.Deleted {
		t.Errorf("the emulator's kv-web has no secret %s: %+v %v", name, o, err)
	}
	var detail api.VaultDetail
	apiCall(t, srv, "GET", "/api/v1/vaults"+kvWebID, adminToken, &detail)
	if len(detail.Honeytokens) != 1 || detail.Honeytokens[0].Name != name || detail.Honeytokens[0].Status != "active" {
		t.Errorf("kv-web's registry: %+v", detail.Honeytokens)
	}
	if detail.Vault.Coverage.State == "not-covered" {
		t.Errorf("kv-web still not covered: %+v", detail.Vault.Coverage)
	}
	start, finish := auditRows(t, srv.Store, "deploy.start"), auditRows(t, srv.Store, "deploy.finish")
	if len(start) != 1 || start[0].Actor != "bootstrap:admin" || !strings.Contains(start[0].Detail, "kv-web: 1 secret") || start[0].Target != fmt.Sprintf("run:%d", run.ID) {
		t.Errorf("deploy.start: %+v", start)
	}
	if len(finish) != 1 || !strings.Contains(finish[0].Detail, "1 of 2 vaults failed") || !strings.Contains(finish[0].Detail, "kv-web: 1 secret") {
		t.Errorf("deploy.finish: %+v", finish)
	}
	if plants := auditRows(t, srv.Store, "decoy.plant"); len(plants) != 1 || plants[0].Actor != "bootstrap:admin" {
		t.Errorf("decoy.plant: %+v", plants)
	}

	// Its records arrive: covered.
	rec := fmt.Sprintf(`{"time":%q,"resourceId":"%s","operationName":"SecretList","category":"AuditEvent","resultType":"Success",`+
		`"correlationId":"corr-web","callerIpAddress":"10.0.0.1","identity":{"claim":{"oid":"app-oid"}},`+
		`"properties":{"requestUri":"https://kv-web.vault.azure.net/secrets?api-version=7.4","httpStatusCode":200}}`,
		time.Now().UTC().Format(time.RFC3339), strings.ToUpper(kvWebID))
	if code, body := apiJSON(t, srv, "POST", "/api/v1/ingest/azure-keyvault", adminToken, rec, nil); code != http.StatusAccepted {
		t.Fatalf("ingest: %d %s", code, body)
	}
	apiCall(t, srv, "GET", "/api/v1/vaults"+kvWebID, adminToken, &detail)
	if detail.Vault.Coverage.State != "covered" {
		t.Errorf("kv-web with its records: %+v", detail.Vault.Coverage)
	}

	// Retire it, purged.
	if code, body := apiJSON(t, srv, "POST", "/api/v1/retires", adminToken, api.RetireRequest{Vaults: []string{"kv-web"}, Purge: true}, &run); code != http.StatusAccepted {
		t.Fatalf("plan retire: %d %s", code, body)
	}
	run = waitRun(t, srv, "retire", run.ID, "planned")
	if web := runVault(run, "kv-web"); len(web.Planned) != 1 || web.Planned[0].Name != name || !run.Purge {
		t.Fatalf("retire plan: %+v", run)
	}
	if code, body := apiJSON(t, srv, "GET", fmt.Sprintf("/api/v1/deploys/%d", run.ID), adminToken, nil, nil); code != http.StatusNotFound {
		t.Errorf("a retire read as a deploy: %d %s", code, body)
	}
	if code, body := apiJSON(t, srv, "POST", fmt.Sprintf("/api/v1/retires/%d/confirm", run.ID), adminToken, nil, nil); code != http.StatusAccepted {
		t.Fatalf("confirm retire: %d %s", code, body)
	}
	run = waitRun(t, srv, "retire", run.ID, "done")
	if web := runVault(run, "kv-web"); web.Phase != "done" || len(web.Result) != 1 || web.Result[0].What != "deleted and purged" {
		t.Errorf("retired: %+v", web)
	}
	if _, ok, _ := e.Object("kv-web", kvemu.TypeSecret, name); ok {
		t.Errorf("%s is still in the emulator after a purge", name)
	}
	apiCall(t, srv, "GET", "/api/v1/vaults"+kvWebID, adminToken, &detail)
	if len(detail.Honeytokens) != 1 || detail.Honeytokens[0].Status != "retired" || detail.Vault.Coverage.State != "not-covered" {
		t.Errorf("kv-web after the retire: %+v, %+v", detail.Honeytokens, detail.Vault.Coverage)
	}
	if rows := auditRows(t, srv.Store, "retire.finish"); len(rows) != 1 || !strings.Contains(rows[0].Detail, "run "+fmt.Sprint(run.ID)+" ok") {
		t.Errorf("retire.finish: %+v", rows)
	}
}

// Who may deploy: an owner within its scope only, and outside it learns
// nothing (an unknown vault and another's vault get the same answer); an
// analyst not at all. Bad input changes nothing; an unknown run is 404.
func TestConsoleDeployAccessAndBadInput(t *testing.T) {
	e, srv := deployEstate(t)
	owner := issue(t, srv.Store, auth.Owner, "kv-web")
	analyst := issue(t, srv.Store, auth.Analyst)

	scenarios := []struct {
		name, token, body string
		code              int
		want              string
	}{
		{"no vaults", adminToken, `{"vaults": []}`, 400, "name at least one vault"},
		{"no body", adminToken, ``, 400, "want JSON"},
		{"unknown field", adminToken, `{"vault": ["kv-web"]}`, 400, "unknown field"},
		{"unknown vault", adminToken, `{"vaults": ["kv-nope"]}`, 400, `no vault \"kv-nope\"`},
		{"owner outside its scope", owner, `{"vaults": ["kv-pay"]}`, 400, `no vault \"kv-pay\" among the discovered vaults you may deploy to`},
		{"owner, an unknown vault", owner, `{"vaults": ["kv-nope"]}`, 400, `no vault \"kv-nope\" among the discovered vaults you may deploy to`},
		{"analyst", analyst, `{"vaults": ["kv-web"]}`, 403, "forbidden"},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			code, body := apiJSON(t, srv, "POST", "/api/v1/deploys", s.token, s.body, nil)
			if code != s.code || !strings.Contains(body, s.want) {
				t.Errorf("got %d %s; want %d with %q", code, body, s.code, s.want)
			}
		})
	}
	for _, path := range []string{"/api/v1/deploys/99", "/api/v1/retires/99"} {
		if code, _ := apiJSON(t, srv, "GET", path, adminToken, nil, nil); code != http.StatusNotFound {
			t.Errorf("GET %s: %d; want 404", path, code)
		}
		if code, _ := apiJSON(t, srv, "POST", path+"/confirm", adminToken, nil, nil); code != http.StatusNotFound {
			t.Errorf("POST %s/confirm: %d; want 404", path, code)
		}
	}
	if code, _ := apiJSON(t, srv, "POST", "/api/v1/retires", adminToken, api.RetireRequest{Decoys: []int64{42}}, nil); code != http.StatusBadRequest {
		t.Errorf("retire of an unknown decoy: %d; want 400", code)
	}

	// The owner plans in its scope; the admin's plan of kv-pay is not the
	// owner's to see or confirm.
	var mine, theirs api.Run
	if code, body := apiJSON(t, srv, "POST", "/api/v1/deploys", owner, api.DeployRequest{Vaults: []string{"KV-WEB"}}, &mine); code != http.StatusAccepted {
		t.Fatalf("owner's plan: %d %s", code, body)
	}
	if code, body := apiJSON(t, srv, "POST", "/api/v1/deploys", adminToken, api.DeployRequest{Vaults: []string{"kv-pay"}}, &theirs); code != http.StatusAccepted {
		t.Fatalf("admin's plan: %d %s", code, body)
	}
	for _, path := range []string{fmt.Sprintf("/api/v1/deploys/%d", theirs.ID), fmt.Sprintf("/api/v1/deploys/%d/confirm", theirs.ID)} {
		method := "GET"
		if strings.HasSuffix(path, "confirm") {
			method = "POST"
		}
		if code, body := apiJSON(t, srv, method, path, owner, nil, nil); code != http.StatusNotFound || strings.Contains(body, "kv-pay") {
			t.Errorf("owner's %s %s: %d %s; want 404 naming nothing", method, path, code, body)
		}
	}
	if code, _ := apiJSON(t, srv, "GET", fmt.Sprintf("/api/v1/deploys/%d", mine.ID), analyst, nil, nil); code != http.StatusForbidden {
		t.Errorf("analyst reading a run: %d; want 403", code)
	}
	// A plan not yet ready cannot be confirmed blindly; once it is, the
	// owner confirms and plants.
	waitRun(t, srv, "deploy", mine.ID, "planned")
	var run api.Run
	if code, body := apiJSON(t, srv, "POST", fmt.Sprintf("/api/v1/deploys/%d/confirm", mine.ID), owner, nil, &run); code != http.StatusAccepted {
		t.Fatalf("owner's confirm: %d %s", code, body)
	}
	run = waitRun(t, srv, "deploy", mine.ID, "done")
	if web := runVault(run, "kv-web"); web.Phase != "done" || len(web.Result) != 1 || run.ConfirmedBy == "" {
		t.Errorf("owner's run: %+v", run)
	}
	if objs, _ := e.Objects("kv-pay"); len(objs) != 0 {
		t.Errorf("kv-pay changed: %+v", objs)
	}
	if rows := auditRows(t, srv.Store, "deploy.start"); len(rows) != 1 || !strings.HasPrefix(rows[0].Actor, "token:") {
		t.Errorf("deploy.start rows: %+v", rows)
	}
}
