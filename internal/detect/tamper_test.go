package detect

import (
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// Activity records as Azure writes them, one per shape: the diagnostic
// export (Event Hubs, storage: operationName a string, identity.claims),
// the REST API and portal (operationName.value, status.value, caller,
// claims, properties of strings) and Log Analytics' AzureActivity rows
// (OperationNameValue, ActivityStatusValue, Caller, _ResourceId,
// Properties_d). Placeholders: VAULT (kv-pay's id, in the case the shape
// uses), OP, STATUS, PROPS.
const (
	exportRecord = `{"time":"2026-11-20T08:00:01.1234567Z","resourceId":"VAULTSUFFIX","operationName":"OP","category":"Administrative",` +
		`"resultType":"STATUS","resultSignature":"STATUS.OK","durationMs":"120","callerIpAddress":"203.0.113.7","correlationId":"ac700000-0000-4000-8000-000000000001",` +
		`"identity":{"authorization":{"scope":"VAULTSUFFIX","action":"OP"},"claims":{"http://schemas.microsoft.com/identity/claims/objectidentifier":"oid-mallory",` +
		`"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":"mallory@contoso.com","appid":"04b07795-8ddb-461a-bbee-02f9e1bf7b46","ipaddr":"203.0.113.7"}},` +
		`"level":"Information","location":"global","properties":PROPS}`
	restEvent = `{"authorization":{"action":"OP","scope":"VAULTSUFFIX"},"caller":"mallory@contoso.com","channels":"Operation",` +
		`"claims":{"http://schemas.microsoft.com/identity/claims/objectidentifier":"oid-mallory","appid":"04b07795-8ddb-461a-bbee-02f9e1bf7b46"},` +
		`"correlationId":"ac700000-0000-4000-8000-000000000002","eventTimestamp":"2026-11-20T08:00:01.1234567Z","httpRequest":{"clientIpAddress":"203.0.113.7","method":"PUT"},` +
		`"level":"Informational","operationName":{"value":"OP","localizedValue":"OP"},"resourceId":"VAULTSUFFIX",` +
		`"status":{"value":"STATUS","localizedValue":"STATUS"},"category":{"value":"Administrative","localizedValue":"Administrative"},` +
		`"subscriptionId":"0b1f6471-1bf0-4dda-aec3-cb9272f09590","properties":PROPS}`
	azureActivityRow = `{"TimeGenerated":"2026-11-20T08:00:01.123Z","OperationNameValue":"OP","ActivityStatusValue":"STATUS","Caller":"mallory@contoso.com",` +
		`"CallerIpAddress":"203.0.113.7","CorrelationId":"ac700000-0000-4000-8000-000000000003","_ResourceId":"VAULTSUFFIX","CategoryValue":"Administrative",` +
		`"Claims":"{\"http://schemas.microsoft.com/identity/claims/objectidentifier\":\"oid-mallory\"}","Properties_d":PROPS,"Type":"AzureActivity"}`
)

// activity builds one record of shape from a template: the resource is
// kv-pay's id (or vault's) followed by suffix, in the shape's case.
func activity(t *testing.T, shape, vault, suffix, op, status, props string) auditlog.Event {
	t.Helper()
	rid := vault + suffix
	switch shape {
	case "export":
		rid = strings.ToUpper(rid)
	case "AzureActivity":
		rid = strings.ToLower(rid)
	}
	if props == "" {
		props = `{}`
	}
	rec := map[string]string{"export": exportRecord, "rest": restEvent, "AzureActivity": azureActivityRow}[shape]
	rec = strings.NewReplacer("VAULTSUFFIX", rid, "OP", op, "STATUS", status, "PROPS", props).Replace(rec)
	ev, err := auditlog.ParseRecord([]byte(rec))
	if err != nil {
		t.Fatalf("%s: %v\n%s", shape, err, rec)
	}
	if ev.Kind != auditlog.KindActivity {
		t.Fatalf("%s: parsed as %s", shape, ev.Kind)
	}
	return ev
}

// body is a properties object holding a request or response body as Azure
// writes it: a string of JSON (properties of the REST API and Properties_d
// are maps of strings).
func body(key, json string) string {
	return `{"statusCode":"OK",` + quote(key) + `:` + quote(json) + `}`
}

func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

const (
	diagSuffix = "/providers/microsoft.insights/diagnosticSettings/to-honeyvault"
	// A setting that keeps only metrics: AuditEvent no longer leaves the vault.
	metricsOnly = `{"properties":{"eventHubAuthorizationRuleId":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.EventHub/namespaces/ns/authorizationRules/RootManageSharedAccessKey",` +
		`"logs":[{"category":"AuditEvent","enabled":false}],"metrics":[{"category":"AllMetrics","enabled":true}]}}`
	allLogs    = `{"properties":{"workspaceId":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/soc","logs":[{"categoryGroup":"allLogs","enabled":true}]}}`
	networkACL = `{"properties":{"networkAcls":{"defaultAction":"Deny","bypass":"None","ipRules":[{"value":"198.51.100.0/24"}]}}}`
	tagsOnly   = `{"tags":{"owner":"payments"},"properties":{"enableSoftDelete":true}}`
	roleSuffix = "/providers/Microsoft.Authorization/roleAssignments/6f1b6f5e-93c1-4a1e-8a5f-4d0f3f2b7c11"
	readerRole = `{"properties":{"roleDefinitionId":"/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6","principalId":"oid-mallory"}}`
	subscRoles = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/providers/Microsoft.Authorization/roleAssignments/6f1b6f5e-93c1-4a1e-8a5f-4d0f3f2b7c11"
)

func TestTamperRules(t *testing.T) {
	tests := []struct {
		name   string
		shape  string
		vault  string
		suffix string
		op     string
		status string
		props  string
		want   Class
	}{
		{"diagnostic setting deleted", "export", vaultPay, diagSuffix, "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE", "Success", "", ClassAuditPathDeleted},
		{"deletion refused: an attempt", "export", vaultPay, diagSuffix, "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE", "Failure", "", ClassAuditPathDeleted},
		{"deletion started: not yet", "export", vaultPay, diagSuffix, "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE", "Start", "", ""},
		{"deleted on a vault without decoys", "export", vaultOther, diagSuffix, "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE", "Success", "", ""},
		{"deleted, REST", "rest", vaultPay, diagSuffix, "Microsoft.Insights/diagnosticSettings/delete", "Succeeded", "", ClassAuditPathDeleted},
		{"deletion failed, REST", "rest", vaultPay, diagSuffix, "Microsoft.Insights/diagnosticSettings/delete", "Failed", "", ClassAuditPathDeleted},
		{"deleted, AzureActivity", "AzureActivity", vaultPay, diagSuffix, "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE", "Success", "", ClassAuditPathDeleted},
		{"written without AuditEvent", "export", vaultPay, diagSuffix, "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/WRITE", "Success", body("responseBody", metricsOnly), ClassAuditPathDisabled},
		{"written without AuditEvent, REST request", "rest", vaultPay, diagSuffix, "Microsoft.Insights/diagnosticSettings/write", "Succeeded", body("requestbody", metricsOnly), ClassAuditPathDisabled},
		{"written without AuditEvent, AzureActivity text", "AzureActivity", vaultPay, diagSuffix, "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/WRITE", "Success", quote(body("requestbody", metricsOnly)), ClassAuditPathDisabled},
		{"written keeping allLogs", "rest", vaultPay, diagSuffix, "Microsoft.Insights/diagnosticSettings/write", "Succeeded", body("responseBody", allLogs), ""},
		{"written, the record does not say how", "export", vaultPay, diagSuffix, "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/WRITE", "Success", "", ClassAuditPathChanged},
		{"write refused: nothing changed", "export", vaultPay, diagSuffix, "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/WRITE", "Failure", "", ""},
		{"access policy granted", "rest", vaultPay, "/accessPolicies/add", "Microsoft.KeyVault/vaults/accessPolicies/write", "Succeeded", "", ClassAccessPolicy},
		{"access policy granted, export", "export", vaultPay, "", "MICROSOFT.KEYVAULT/VAULTS/ACCESSPOLICIES/WRITE", "Success", "", ClassAccessPolicy},
		{"access policy refused", "rest", vaultPay, "/accessPolicies/add", "Microsoft.KeyVault/vaults/accessPolicies/write", "Failed", "", ""},
		{"role assigned on the vault", "AzureActivity", vaultPay, roleSuffix, "MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE", "Success", body("requestbody", readerRole), ClassRoleAssignment},
		{"vault deleted", "AzureActivity", vaultPay, "", "MICROSOFT.KEYVAULT/VAULTS/DELETE", "Success", "", ClassVaultDeleted},
		{"vault deleted, REST", "rest", vaultPay, "", "Microsoft.KeyVault/vaults/delete", "Succeeded", "", ClassVaultDeleted},
		{"network rules written", "AzureActivity", vaultPay, "", "MICROSOFT.KEYVAULT/VAULTS/WRITE", "Success", body("requestbody", networkACL), ClassNetworkRules},
		{"vault written with access policies", "rest", vaultPay, "", "Microsoft.KeyVault/vaults/write", "Succeeded", body("requestbody", `{"properties":{"accessPolicies":[]}}`), ClassAccessPolicy},
		{"vault tags written", "rest", vaultPay, "", "Microsoft.KeyVault/vaults/write", "Succeeded", body("requestbody", tagsOnly), ""},
		{"vault written, only its answer logged", "export", vaultPay, "", "MICROSOFT.KEYVAULT/VAULTS/WRITE", "Success", body("responseBody", `{"properties":{"accessPolicies":[]}}`), ClassVaultChanged},
		{"tags written through the tags API", "export", vaultPay, "/providers/Microsoft.Resources/tags/default", "MICROSOFT.RESOURCES/TAGS/WRITE", "Success", "", ""},
	}
	ix, err := NewIndex(testDecoys())
	if err != nil {
		t.Fatal(err)
	}
	m := NewMatcher(ix, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := activity(t, tt.shape, tt.vault, tt.suffix, tt.op, tt.status, tt.props)
			alerts := m.Tamper(&ev)
			if tt.want == "" {
				if len(alerts) != 0 {
					t.Fatalf("got %d alerts (%s); want none", len(alerts), alerts[0].Class)
				}
				return
			}
			if len(alerts) != 1 {
				t.Fatalf("got %d alerts; want one %s", len(alerts), tt.want)
			}
			a := alerts[0]
			if a.Class != tt.want || a.Suppressed {
				t.Errorf("class %s suppressed %v; want %s raised", a.Class, a.Suppressed, tt.want)
			}
			if a.Decoy.VaultID != vaultPay || a.Decoy.VaultName != "kv-pay" || a.Decoy.Name != "" {
				t.Errorf("alert names %+v; want kv-pay and no decoy", a.Decoy)
			}
			if c := a.Event.Caller; c.ObjectID != "oid-mallory" && c.UPN != "mallory@contoso.com" {
				t.Errorf("caller %+v", c)
			}
			if got, want := a.Event.Operation, strings.ToUpper(tt.op); got != want {
				t.Errorf("operation %q; want %q", got, want)
			}
			if got, want := a.Severity, tt.want.Severity(); got != want {
				t.Errorf("severity %s; want %s", got, want)
			}
		})
	}
}

func TestTamperSeverities(t *testing.T) {
	for c, want := range map[Class]Severity{
		ClassAuditPathDeleted: High, ClassAuditPathDisabled: High, ClassAuditPathChanged: High, ClassAuditPathRedirected: High, ClassVaultDeleted: High,
		ClassAccessPolicy: Medium, ClassRoleAssignment: Medium, ClassNetworkRules: Medium, ClassVaultChanged: Medium,
	} {
		if got := c.Severity(); got != want {
			t.Errorf("%s: got %s; want %s", c, got, want)
		}
		if !c.IsTamper() || DescribeTamper(c, false) == "" {
			t.Errorf("%s is not described as a tamper class", c)
		}
	}
	if ClassRead.IsTamper() || DescribeTamper(ClassRead, false) != "" {
		t.Error("read is a tamper class")
	}
	if got, want := DescribeTamper(ClassAuditPathDeleted, true), "tried and failed to delete a diagnostic setting of the vault"; !strings.HasPrefix(got, want) {
		t.Errorf("got %q; want it to start %q", got, want)
	}
}

// Decoy accesses never raise tamper alerts, nor Activity records decoy alerts.
func TestTamperOnlyReadsActivity(t *testing.T) {
	ix, _ := NewIndex(testDecoys())
	m := NewMatcher(ix, nil)
	read := event(t, vaultPay, "SecretGet", "", "https://kv-pay.vault.azure.net/secrets/db-password", 200)
	if got := m.Tamper(&read); got != nil {
		t.Errorf("a decoy read raised tamper alerts: %+v", got)
	}
	del := activity(t, "export", vaultPay, diagSuffix, "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE", "Success", "")
	if got := m.Match(&del); got != nil {
		t.Errorf("an activity record matched decoys: %+v", got)
	}
}

// The planter's own access-policy change is covered by the rule the
// deployer stores for it (the vault, that operation, until it expires);
// its per-decoy rules do not cover the vault, and nobody else is covered.
func TestTamperAllowRules(t *testing.T) {
	at := time.Date(2026, 11, 20, 8, 0, 1, 0, time.UTC)
	grant := AllowRule{Identity: "oid-mallory", Operations: []string{OpAccessPoliciesWrite}, Scope: Scope{VaultID: strings.ToUpper(vaultPay)}, Expires: at.Add(time.Hour)}
	tests := []struct {
		name  string
		rules AllowList
		op    string
		want  bool // suppressed
	}{
		{"the grant's rule", AllowList{grant}, "Microsoft.KeyVault/vaults/accessPolicies/write", true},
		{"expired", AllowList{{Identity: grant.Identity, Operations: grant.Operations, Scope: grant.Scope, Expires: at}}, "Microsoft.KeyVault/vaults/accessPolicies/write", false},
		{"another vault", AllowList{{Identity: grant.Identity, Operations: grant.Operations, Scope: Scope{VaultID: vaultHR}}}, "Microsoft.KeyVault/vaults/accessPolicies/write", false},
		{"the grant's rule does not cover deleting the audit path", AllowList{grant}, "Microsoft.Insights/diagnosticSettings/delete", false},
		{"a per-decoy planting rule", AllowList{{Identity: "oid-mallory", Scope: Scope{VaultID: vaultPay, Type: registry.Secret, Name: "db-password"}}}, "Microsoft.KeyVault/vaults/accessPolicies/write", false},
		{"someone else's rule", AllowList{{Identity: "oid-planter", Scope: Scope{VaultID: vaultPay}}}, "Microsoft.KeyVault/vaults/accessPolicies/write", false},
		{"by class", AllowList{{Identity: "mallory@contoso.com", Operations: []string{"access-policy"}}}, "Microsoft.KeyVault/vaults/accessPolicies/write", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ix, _ := NewIndex(testDecoys())
			m := NewMatcher(ix, tt.rules)
			suffix := "/accessPolicies/add"
			if strings.Contains(tt.op, "diagnostic") {
				suffix = diagSuffix
			}
			ev := activity(t, "rest", vaultPay, suffix, tt.op, "Succeeded", "")
			alerts := m.Tamper(&ev)
			if len(alerts) != 1 {
				t.Fatalf("got %d alerts; want 1", len(alerts))
			}
			if alerts[0].Suppressed != tt.want {
				t.Errorf("suppressed %v; want %v", alerts[0].Suppressed, tt.want)
			}
		})
	}
}

// A vault stops counting as a decoy vault when its last decoy leaves the
// index, and only then.
func TestIndexVault(t *testing.T) {
	ix, _ := NewIndex(testDecoys())
	if id, name, ok := ix.Vault(strings.ToUpper(vaultPay) + diagSuffix); !ok || id != vaultPay || name != "kv-pay" {
		t.Errorf("got %q %q %v; want kv-pay's id in the registry's spelling", id, name, ok)
	}
	if _, _, ok := ix.Vault(vaultPayElsewhere); ok {
		t.Error("kv-pay of another subscription holds decoys")
	}
	ds := testDecoys()
	ix.Remove(ds[0], ds[1])
	if _, _, ok := ix.Vault(vaultPay); !ok {
		t.Error("kv-pay lost its decoys with one left")
	}
	ix.Add(registry.Decoy{VaultID: ds[2].VaultID, Name: ds[2].Name, Type: ds[2].Type, Status: registry.Retired})
	if _, _, ok := ix.Vault(vaultPay); ok {
		t.Error("kv-pay holds decoys after the last was retired")
	}
}

// Once the diagnostics check has found which settings carry AuditEvent to
// honeyvault, a change to another setting of the vault cannot cut the
// audit path and raises nothing — in every shape, whatever the case of the
// names; a change to a route, or on a vault with no known route, alerts.
func TestTamperLeavesSettingsBesideTheRoute(t *testing.T) {
	ix, err := NewIndex(testDecoys())
	if err != nil {
		t.Fatal(err)
	}
	m := NewMatcher(ix, nil)
	const other = "/providers/microsoft.insights/diagnosticSettings/team-metrics"
	del, write := "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE", "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/WRITE"
	check := func(when string, want map[string]Class) {
		t.Helper()
		for _, shape := range []string{"export", "rest", "AzureActivity"} {
			for name, tc := range map[string]struct {
				suffix, op, status, props string
			}{
				"route deleted":           {diagSuffix, del, "Success", ""},
				"route emptied":           {diagSuffix, write, "Success", body("responseBody", metricsOnly)},
				"other deleted":           {other, del, "Success", ""},
				"other deletion refused":  {other, del, "Failure", ""},
				"other written, no audit": {other, write, "Success", body("responseBody", metricsOnly)},
				"other written, unknown":  {other, write, "Success", ""},
			} {
				ev := activity(t, shape, vaultPay, tc.suffix, tc.op, tc.status, tc.props)
				var got Class
				if a := m.Tamper(&ev); len(a) == 1 {
					got = a[0].Class
				} else if len(a) > 1 {
					t.Fatalf("%s, %s, %s: %d alerts", when, shape, name, len(a))
				}
				if got != want[name] {
					t.Errorf("%s, %s, %s: class %q; want %q", when, shape, name, got, want[name])
				}
			}
		}
	}
	everything := map[string]Class{
		"route deleted": ClassAuditPathDeleted, "route emptied": ClassAuditPathDisabled,
		"other deleted": ClassAuditPathDeleted, "other deletion refused": ClassAuditPathDeleted,
		"other written, no audit": ClassAuditPathDisabled, "other written, unknown": ClassAuditPathChanged,
	}
	check("before any check", everything)
	m.SetAuditRoutes(map[string][]string{registry.VaultKey(vaultOther): {"to-honeyvault"}})
	check("routes known for another vault only", everything)
	m.SetAuditRoutes(map[string][]string{registry.VaultKey(vaultPay): {"TO-HONEYVAULT"}})
	check("with its route known", map[string]Class{"route deleted": ClassAuditPathDeleted, "route emptied": ClassAuditPathDisabled})
	m.SetAuditRoutes(map[string][]string{registry.VaultKey(vaultPay): nil})
	check("no route at the last check", everything)

	if n := diagnosticSettingName(vaultPay + "/providers/Microsoft.Insights/diagnosticSettings/a/b"); n != "" {
		t.Errorf("a nested resource read as setting %q", n)
	}
}
