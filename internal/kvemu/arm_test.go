package kvemu

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/keyvault/armkeyvault"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources/v3"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
)

func (env *testEnv) vaultsClient(t *testing.T, id Identity) *armkeyvault.VaultsClient {
	t.Helper()
	c, err := armkeyvault.NewVaultsClient(testSub, env.e.Credential(id), env.e.ARMClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// activityRecords flushes and decodes the Activity-log records so far.
func (env *testEnv) activityRecords(t *testing.T) []ActivityRecord {
	t.Helper()
	if err := env.e.Flush(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	var out []ActivityRecord
	for _, r := range env.act.Records() {
		var a ActivityRecord
		if err := json.Unmarshal(r.JSON, &a); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

func TestARMListAndGetVaults(t *testing.T) {
	env := newTestEnv(t, Options{})
	ctx := ctxT(t)
	c := env.vaultsClient(t, admin)
	var vaults []*armkeyvault.Vault
	for p := c.NewListBySubscriptionPager(nil); p.More(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListBySubscription: %v", err)
		}
		vaults = append(vaults, page.Value...)
	}
	if got, want := len(vaults), 2; got != want {
		t.Fatalf("vaults: got %d; want %d", got, want)
	}
	ap, rb := vaults[0], vaults[1]
	if got, want := *ap.Name, apVault; got != want {
		t.Errorf("name: got %q; want %q", got, want)
	}
	if got, want := *ap.Properties.VaultURI, "https://kv-app-prod.vault.azure.net/"; got != want {
		t.Errorf("vaultUri: got %q; want %q", got, want)
	}
	if got, want := *ap.Tags["env"], "prod"; got != want {
		t.Errorf("tag: got %q; want %q", got, want)
	}
	if got, want := *ap.Location, "westeurope"; got != want {
		t.Errorf("location: got %q; want %q", got, want)
	}
	if len(ap.Properties.AccessPolicies) != 2 || *ap.Properties.AccessPolicies[0].ObjectID != admin.ObjectID {
		t.Errorf("access policies: %+v", ap.Properties.AccessPolicies)
	}
	if *ap.Properties.EnableRbacAuthorization || !*rb.Properties.EnableRbacAuthorization {
		t.Error("enableRbacAuthorization is wrong")
	}
	if !strings.EqualFold(*ap.ID, "/subscriptions/"+testSub+"/resourceGroups/"+testRG+"/providers/Microsoft.KeyVault/vaults/"+apVault) {
		t.Errorf("id: %s", *ap.ID)
	}

	var bare []string
	for p := c.NewListPager(nil); p.More(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("List (resources): %v", err)
		}
		for _, r := range page.Value {
			bare = append(bare, *r.Name)
		}
	}
	if got, want := strings.Join(bare, ","), apVault+","+rbacVault; got != want {
		t.Errorf("List: got %s; want %s", got, want)
	}
	got, err := c.Get(ctx, testRG, rbacVault, nil)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if !*got.Properties.EnableRbacAuthorization {
		t.Error("Get lost enableRbacAuthorization")
	}
	if _, err := c.Get(ctx, testRG, "kv-nope", nil); !isStatus(err, http.StatusNotFound, "ResourceNotFound") {
		t.Errorf("Get missing: %v", err)
	}
	// VaultGet shows in the vault's own audit log, named by the caller.
	r := env.lastAudit(t, "VaultGet")
	if r.Identity.Claim["oid"] != admin.ObjectID || !strings.HasPrefix(r.Properties.RequestURI, "https://management.azure.com/subscriptions/") {
		t.Errorf("VaultGet record: %+v", r)
	}

	// armresources: resource groups and the generic resource list.
	rgc, err := armresources.NewResourceGroupsClient(testSub, env.e.Credential(admin), env.e.ARMClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	var groups []string
	for p := rgc.NewListPager(nil); p.More(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("resource groups: %v", err)
		}
		for _, g := range page.Value {
			groups = append(groups, *g.Name)
		}
	}
	if got, want := strings.Join(groups, ","), testRG; got != want {
		t.Errorf("groups: got %s; want %s", got, want)
	}
	rc, err := armresources.NewClient(testSub, env.e.Credential(admin), env.e.ARMClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	filter := "resourceType eq 'Microsoft.KeyVault/vaults'"
	page, err := rc.NewListPager(&armresources.ClientListOptions{Filter: &filter}).NextPage(ctx)
	if err != nil {
		t.Fatalf("resources: %v", err)
	}
	if got, want := len(page.Value), 2; got != want {
		t.Errorf("resources: got %d; want %d", got, want)
	}
}

func TestARMUpdateTagsAndAccessPolicies(t *testing.T) {
	env := newTestEnv(t, Options{})
	ctx := ctxT(t)
	c := env.vaultsClient(t, admin)
	upd, err := c.Update(ctx, testRG, apVault, armkeyvault.VaultPatchParameters{Tags: map[string]*string{"KVReview": ptr("ReviewNeeded"), "env": ptr("prod")}}, nil)
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if got, want := *upd.Tags["KVReview"], "ReviewNeeded"; got != want {
		t.Errorf("tag: got %q; want %q", got, want)
	}
	if v, _ := env.e.Vault(apVault); v.Tags["KVReview"] != "ReviewNeeded" {
		t.Errorf("state tags: %v", v.Tags)
	}

	// Grant nobody secret get, then check the data plane agrees.
	_, err = c.UpdateAccessPolicy(ctx, testRG, apVault, armkeyvault.AccessPolicyUpdateKindAdd, armkeyvault.VaultAccessPolicyParameters{
		Properties: &armkeyvault.VaultAccessPolicyProperties{AccessPolicies: []*armkeyvault.AccessPolicyEntry{{
			TenantID: ptr(DefaultTenantID), ObjectID: ptr(nobody.ObjectID),
			Permissions: &armkeyvault.Permissions{Secrets: []*armkeyvault.SecretPermissions{ptr(armkeyvault.SecretPermissionsGet), ptr(armkeyvault.SecretPermissionsList)}},
		}}},
	}, nil)
	if err != nil {
		t.Fatalf("UpdateAccessPolicy add: %v", err)
	}
	if _, err := env.e.SeedSecret(apVault, SecretSeed{Name: "s", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	sc := env.secrets(t, apVault, nobody)
	if _, err := sc.GetSecret(ctx, "s", "", nil); err != nil {
		t.Errorf("get after the grant: %v", err)
	}
	_, err = c.UpdateAccessPolicy(ctx, testRG, apVault, armkeyvault.AccessPolicyUpdateKindRemove, armkeyvault.VaultAccessPolicyParameters{
		Properties: &armkeyvault.VaultAccessPolicyProperties{AccessPolicies: []*armkeyvault.AccessPolicyEntry{{
			TenantID: ptr(DefaultTenantID), ObjectID: ptr(nobody.ObjectID), Permissions: &armkeyvault.Permissions{},
		}}},
	}, nil)
	if err != nil {
		t.Fatalf("UpdateAccessPolicy remove: %v", err)
	}
	if _, err := sc.GetSecret(ctx, "s", "", nil); !isStatus(err, http.StatusForbidden, "Forbidden") {
		t.Errorf("get after the removal: %v", err)
	}

	var ops []string
	for _, a := range env.activityRecords(t) {
		ops = append(ops, a.OperationName+" "+a.ResultType)
		if a.Category != "Administrative" || !timeRE.MatchString(a.Time) || a.Identity.Claims[ClaimOIDURI] != admin.ObjectID ||
			a.ResourceID != strings.ToUpper("/subscriptions/"+testSub+"/resourceGroups/"+testRG+"/providers/Microsoft.KeyVault/vaults/"+apVault) {
			t.Errorf("activity record: %+v", a)
		}
	}
	want := []string{
		"MICROSOFT.KEYVAULT/VAULTS/WRITE Start", "MICROSOFT.KEYVAULT/VAULTS/WRITE Success",
		"MICROSOFT.KEYVAULT/VAULTS/ACCESSPOLICIES/WRITE Start", "MICROSOFT.KEYVAULT/VAULTS/ACCESSPOLICIES/WRITE Success",
		"MICROSOFT.KEYVAULT/VAULTS/ACCESSPOLICIES/WRITE Start", "MICROSOFT.KEYVAULT/VAULTS/ACCESSPOLICIES/WRITE Success",
	}
	if !slices.Equal(ops, want) {
		t.Errorf("activity: got %v; want %v", ops, want)
	}

	// The Tags API merges tags at the vault's scope.
	tc, err := armresources.NewTagsClient(testSub, env.e.Credential(admin), env.e.ARMClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	v, _ := env.e.Vault(apVault)
	poller, err := tc.BeginUpdateAtScope(ctx, v.ID, armresources.TagsPatchResource{
		Operation: ptr(armresources.TagsPatchOperationMerge), Properties: &armresources.Tags{Tags: map[string]*string{"KVReview": ptr("Reviewed")}},
	}, nil)
	if err != nil {
		t.Fatalf("BeginUpdateAtScope: %v", err)
	}
	if _, err := poller.PollUntilDone(ctx, nil); err != nil {
		t.Fatalf("tags poll: %v", err)
	}
	if v, _ := env.e.Vault(apVault); v.Tags["KVReview"] != "Reviewed" || v.Tags["env"] != "prod" {
		t.Errorf("tags after merge: %v", v.Tags)
	}
}

func TestARMCreateVault(t *testing.T) {
	env := newTestEnv(t, Options{})
	ctx := ctxT(t)
	c := env.vaultsClient(t, admin)
	poller, err := c.BeginCreateOrUpdate(ctx, testRG, "kv-new-one", armkeyvault.VaultCreateOrUpdateParameters{
		Location: ptr("northeurope"),
		Properties: &armkeyvault.VaultProperties{
			TenantID: ptr(DefaultTenantID), SKU: &armkeyvault.SKU{Family: ptr(armkeyvault.SKUFamilyA), Name: ptr(armkeyvault.SKUNameStandard)},
			EnableRbacAuthorization: ptr(true),
		},
	}, nil)
	if err != nil {
		t.Fatalf("BeginCreateOrUpdate: %v", err)
	}
	res, err := poller.PollUntilDone(ctx, nil)
	if err != nil {
		t.Fatalf("poll: %v", err)
	}
	if got, want := *res.Properties.VaultURI, "https://kv-new-one.vault.azure.net/"; got != want {
		t.Errorf("vaultUri: got %q; want %q", got, want)
	}
	// The new vault resolves on the data plane; the creator has no role yet.
	_, err = env.secrets(t, "kv-new-one", admin).GetSecret(ctx, "x", "", nil)
	if !isStatus(err, http.StatusForbidden, "Forbidden") {
		t.Errorf("data plane of the new vault: %v", err)
	}
	if _, err := c.BeginCreateOrUpdate(ctx, "rg-missing", "kv-other", armkeyvault.VaultCreateOrUpdateParameters{
		Location: ptr("northeurope"), Properties: &armkeyvault.VaultProperties{TenantID: ptr(DefaultTenantID), SKU: &armkeyvault.SKU{Family: ptr(armkeyvault.SKUFamilyA), Name: ptr(armkeyvault.SKUNameStandard)}},
	}, nil); !isStatus(err, http.StatusNotFound, "ResourceGroupNotFound") {
		t.Errorf("create in a missing resource group: %v", err)
	}
}

// armDo sends a plain REST request to the emulated ARM as id.
func (env *testEnv) armDo(t *testing.T, id Identity, method, path string, body any) (int, []byte) {
	t.Helper()
	tok, err := env.e.Token(id, "https://management.azure.com/")
	if err != nil {
		t.Fatal(err)
	}
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequestWithContext(context.Background(), method, "https://management.azure.com"+path, rd)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := env.e.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

func TestARMDiagnosticSettings(t *testing.T) {
	env := newTestEnv(t, Options{})
	v, _ := env.e.Vault(apVault)
	base := v.ID + "/providers/Microsoft.Insights/diagnosticSettings"
	const api = "?api-version=2021-05-01-preview"

	status, body := env.armDo(t, admin, http.MethodGet, base+api, nil)
	var list struct {
		Value []armDiagJSON `json:"value"`
	}
	if err := json.Unmarshal(body, &list); err != nil || status != 200 {
		t.Fatalf("list: %d %s", status, body)
	}
	if len(list.Value) != 1 || list.Value[0].Name != diagSettingN || *list.Value[0].Properties.StorageAccountID != logsStorage ||
		*list.Value[0].Properties.Logs[0].CategoryGroup != "audit" || !list.Value[0].Properties.Logs[0].Enabled {
		t.Errorf("list: %s", body)
	}

	hub := "/subscriptions/" + testSub + "/resourceGroups/rg-logs/providers/Microsoft.EventHub/namespaces/ehns/authorizationRules/RootManageSharedAccessKey"
	put := map[string]any{"properties": map[string]any{
		"eventHubAuthorizationRuleId": hub, "eventHubName": "kv-audit",
		"logs": []map[string]any{{"category": "AuditEvent", "enabled": true}},
	}}
	if status, body := env.armDo(t, admin, http.MethodPut, base+"/to-hub"+api, put); status != 200 {
		t.Fatalf("put: %d %s", status, body)
	}
	ds, _ := env.e.diagnosticSettings(apVault)
	if len(ds) != 2 || ds[1].EventHubName != "kv-audit" || !ds[1].enables(CategoryAuditEvent) {
		t.Errorf("settings after put: %+v", ds)
	}
	if status, body := env.armDo(t, admin, http.MethodPut, base+"/bad"+api, map[string]any{"properties": map[string]any{"logs": []any{}}}); status != 400 {
		t.Errorf("put without destination: %d %s", status, body)
	}
	if status, _ := env.armDo(t, admin, http.MethodDelete, base+"/"+diagSettingN+api, nil); status != 200 {
		t.Fatalf("delete: %d", status)
	}
	if status, _ := env.armDo(t, admin, http.MethodGet, base+"/"+diagSettingN+api, nil); status != 404 {
		t.Errorf("get after delete: %d", status)
	}
	// After the delete the vault's records no longer reach the storage sink.
	before := len(env.auditRecords(t))
	if _, err := env.secrets(t, apVault, admin).SetSecret(ctxT(t), "s", azsecrets.SetSecretParameters{Value: ptr("v")}, nil); err != nil {
		t.Fatal(err)
	}
	if got := len(env.auditRecords(t)); got != before {
		t.Errorf("records after the setting was deleted: %d new", got-before)
	}
	var ops []string
	for _, a := range env.activityRecords(t) {
		if a.ResultType == "Success" {
			ops = append(ops, a.OperationName)
		}
	}
	if want := []string{"MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/WRITE", "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE"}; !slices.Equal(ops, want) {
		t.Errorf("activity: got %v; want %v", ops, want)
	}
	acts := env.activityRecords(t)
	if got, want := acts[len(acts)-1].ResourceID, strings.ToUpper(base+"/"+diagSettingN); got != want {
		t.Errorf("delete resourceId: got %s; want %s", got, want)
	}
}

func TestARMSubscriptionsAndAuth(t *testing.T) {
	env := newTestEnv(t, Options{})
	if err := env.e.AddSubscription(Subscription{ID: "99999999-9999-9999-9999-999999999999", DisplayName: "Other tenant", TenantID: "88888888-8888-8888-8888-888888888888"}); err != nil {
		t.Fatal(err)
	}
	status, body := env.armDo(t, admin, http.MethodGet, "/subscriptions?api-version=2022-12-01", nil)
	var subs struct {
		Value []armSubscriptionJSON `json:"value"`
	}
	if err := json.Unmarshal(body, &subs); err != nil || status != 200 {
		t.Fatalf("subscriptions: %d %s", status, body)
	}
	if len(subs.Value) != 1 || subs.Value[0].SubscriptionID != testSub || subs.Value[0].State != "Enabled" {
		t.Errorf("subscriptions of the caller's tenant: %s", body)
	}
	req, _ := http.NewRequest(http.MethodGet, "https://management.azure.com/subscriptions?api-version=2022-12-01", nil)
	resp, err := env.e.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got, want := resp.StatusCode, 401; got != want {
		t.Errorf("no token: got %d; want %d", got, want)
	}
	vaultTok, _ := env.e.Token(admin, "https://vault.azure.net")
	req.Header.Set("Authorization", "Bearer "+vaultTok)
	resp, err = env.e.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got, want := resp.StatusCode, 401; got != want {
		t.Errorf("vault token on ARM: got %d; want %d", got, want)
	}
	if status, _ := env.armDo(t, admin, http.MethodGet, "/subscriptions/99999999-9999-9999-9999-999999999999/resources?api-version=2025-04-01", nil); status != 401 {
		t.Errorf("another tenant's subscription: got %d; want 401", status)
	}
}

func TestARMRoleAssignments(t *testing.T) {
	env := newTestEnv(t, Options{})
	ctx := ctxT(t)
	v, _ := env.e.Vault(rbacVault)
	if _, err := env.e.SeedSecret(rbacVault, SecretSeed{Name: "api-key", Value: "x"}); err != nil {
		t.Fatal(err)
	}
	const api = "?api-version=2022-04-01"
	const raName = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
	path := v.ID + "/providers/Microsoft.Authorization/roleAssignments/" + raName + api
	body := map[string]any{"properties": map[string]any{
		"roleDefinitionId": "/subscriptions/" + testSub + "/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6",
		"principalId":      nobody.ObjectID,
	}}
	if status, out := env.armDo(t, admin, http.MethodPut, path, body); status != 201 {
		t.Fatalf("put: %d %s", status, out)
	}
	c := env.secrets(t, rbacVault, nobody)
	if _, err := c.GetSecret(ctx, "api-key", "", nil); err != nil {
		t.Errorf("get with the new assignment: %v", err)
	}
	status, out := env.armDo(t, nobody, http.MethodGet, v.ID+"/providers/Microsoft.Authorization/permissions"+api, nil)
	var perms struct {
		Value []armPermissionJSON `json:"value"`
	}
	if err := json.Unmarshal(out, &perms); err != nil || status != 200 || len(perms.Value) != 1 ||
		!slices.Contains(perms.Value[0].DataActions, "Microsoft.KeyVault/vaults/secrets/getSecret/action") {
		t.Errorf("permissions: %d %s", status, out)
	}
	status, out = env.armDo(t, admin, http.MethodGet, "/subscriptions/"+testSub+"/providers/Microsoft.Authorization/roleAssignments"+api+"&$filter=principalId%20eq%20'"+nobody.ObjectID+"'", nil)
	if status != 200 || !strings.Contains(string(out), raName) || strings.Contains(string(out), admin.ObjectID) {
		t.Errorf("list: %d %s", status, out)
	}
	if status, out := env.armDo(t, admin, http.MethodDelete, path, nil); status != 200 {
		t.Fatalf("delete: %d %s", status, out)
	}
	if _, err := c.GetSecret(ctx, "api-key", "", nil); !isStatus(err, http.StatusForbidden, "Forbidden") {
		t.Errorf("get after the assignment was deleted: %v", err)
	}
	var ops []string
	for _, a := range env.activityRecords(t) {
		if a.ResultType == "Success" {
			ops = append(ops, a.OperationName)
		}
	}
	if want := []string{"MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE", "MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/DELETE"}; !slices.Equal(ops, want) {
		t.Errorf("activity: got %v; want %v", ops, want)
	}
}

func TestActivityLogREST(t *testing.T) {
	env := newTestEnv(t, Options{})
	v, _ := env.e.Vault(apVault)
	setting := v.ID + "/providers/Microsoft.Insights/diagnosticSettings/" + diagSettingN
	if status, _ := env.armDo(t, admin, http.MethodDelete, setting+"?api-version=2021-05-01-preview", nil); status != 200 {
		t.Fatalf("delete: %d", status)
	}
	path := "/subscriptions/" + testSub + "/providers/Microsoft.Insights/eventtypes/management/values?api-version=2015-04-01&$filter=" +
		url.QueryEscape("eventTimestamp ge '2026-11-20T00:00:00Z' and eventTimestamp le '2026-11-21T00:00:00Z' and resourceUri eq '"+setting+"'")
	status, body := env.armDo(t, admin, http.MethodGet, path, nil)
	var out struct {
		Value []ActivityEvent `json:"value"`
	}
	if err := json.Unmarshal(body, &out); err != nil || status != 200 {
		t.Fatalf("activity: %d %s", status, body)
	}
	if got, want := len(out.Value), 2; got != want {
		t.Fatalf("events: got %d; want %d: %s", got, want, body)
	}
	end := out.Value[0] // newest first
	if end.OperationName.Value != "Microsoft.Insights/diagnosticSettings/delete" || end.Status.Value != "Succeeded" ||
		end.Caller != admin.UPN || end.Category.Value != "Administrative" || end.ResourceGroupName != testRG ||
		end.CorrelationID != out.Value[1].CorrelationID || out.Value[1].Status.Value != "Started" {
		t.Errorf("events: %s", body)
	}
	if status, _ := env.armDo(t, admin, http.MethodGet, "/subscriptions/"+testSub+"/providers/Microsoft.Insights/eventtypes/management/values?api-version=2015-04-01", nil); status != 400 {
		t.Errorf("no time filter: got %d; want 400", status)
	}
}

func TestARMPaging(t *testing.T) {
	env := newTestEnv(t, Options{})
	ctx := ctxT(t)
	for i := range 3 {
		if _, err := env.e.CreateVault(VaultSpec{SubscriptionID: testSub, ResourceGroup: "rg-more", Name: "kv-page-" + string(rune('a'+i))}); err != nil {
			t.Fatal(err)
		}
	}
	c := env.vaultsClient(t, admin)
	var names []string
	pages := 0
	for p := c.NewListBySubscriptionPager(&armkeyvault.VaultsClientListBySubscriptionOptions{Top: ptr(int32(2))}); p.More(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, v := range page.Value {
			names = append(names, *v.Name)
		}
	}
	if got, want := strings.Join(names, ","), "kv-app-prod,kv-page-a,kv-page-b,kv-page-c,kv-rbac-prod"; got != want || pages != 3 {
		t.Errorf("got %s in %d pages; want %s in 3", got, pages, want)
	}
	var byRG []string
	for p := c.NewListByResourceGroupPager("rg-more", &armkeyvault.VaultsClientListByResourceGroupOptions{Top: ptr(int32(1))}); p.More(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range page.Value {
			byRG = append(byRG, *v.Name)
		}
	}
	if got, want := strings.Join(byRG, ","), "kv-page-a,kv-page-b,kv-page-c"; got != want {
		t.Errorf("by resource group: got %s; want %s", got, want)
	}
}
