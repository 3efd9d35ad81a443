package detect

import (
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/auditpath"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// A role assigned on a subscription or resource group covers every decoy
// vault in it: one alert per vault, in every shape; a scope holding no
// decoy vault, a failed assignment and a deletion raise nothing.
func TestTamperRoleAtBroaderScope(t *testing.T) {
	const (
		sub      = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590"
		assigned = "/providers/Microsoft.Authorization/roleAssignments/6f1b6f5e-93c1-4a1e-8a5f-4d0f3f2b7c11"
		write    = "MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE"
	)
	tests := []struct {
		name, shape, scope, op, status string
		want                           []string // vault names
	}{
		{"subscription, export", "export", sub, write, "Success", []string{"kv-hr", "kv-pay"}},
		{"subscription, REST", "rest", sub, "Microsoft.Authorization/roleAssignments/write", "Succeeded", []string{"kv-hr", "kv-pay"}},
		{"subscription, AzureActivity", "AzureActivity", sub, write, "Success", []string{"kv-hr", "kv-pay"}},
		{"resource group", "rest", sub + "/resourceGroups/RG-PAY", "Microsoft.Authorization/roleAssignments/write", "Succeeded", []string{"kv-pay"}},
		{"resource group without decoys", "export", sub + "/resourceGroups/rg-empty", write, "Success", nil},
		{"another subscription", "export", "/subscriptions/11111111-1bf0-4dda-aec3-cb9272f09590", write, "Success", nil},
		{"refused", "export", sub, write, "Failure", nil},
		{"removed", "export", sub, "MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/DELETE", "Success", nil},
	}
	ix, err := NewIndex(testDecoys())
	if err != nil {
		t.Fatal(err)
	}
	m := NewMatcher(ix, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := activity(t, tt.shape, tt.scope, assigned, tt.op, tt.status, "")
			alerts := m.Tamper(&ev)
			var got []string
			for _, a := range alerts {
				got = append(got, a.Decoy.VaultName)
				if a.Class != ClassRoleAssignment || a.Decoy.Name != "" || registry.VaultKey(a.Decoy.VaultID) != registry.VaultKey(map[string]string{"kv-pay": vaultPay, "kv-hr": vaultHR}[a.Decoy.VaultName]) {
					t.Errorf("alert %+v", a.Decoy)
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("alerts for %v; want %v", got, tt.want)
			}
		})
	}
}

// A diagnostic setting written so that AuditEvent goes only to a
// destination honeyvault does not read alerts once destinations are known;
// a write keeping a read destination, and any write while none is known,
// do not.
func TestTamperRedirectedAuditPath(t *testing.T) {
	const (
		ours   = "/subscriptions/s/resourceGroups/rg-soc/providers/Microsoft.EventHub/namespaces/hv-soc"
		theirs = "/subscriptions/x/resourceGroups/rg-x/providers/Microsoft.EventHub/namespaces/exfil"
	)
	setting := func(ns, hub string) string {
		return `{"properties":{"eventHubAuthorizationRuleId":"` + ns + `/authorizationRules/RootManageSharedAccessKey","eventHubName":"` + hub +
			`","logs":[{"category":"AuditEvent","enabled":true}]}}`
	}
	ix, err := NewIndex(testDecoys())
	if err != nil {
		t.Fatal(err)
	}
	m := NewMatcher(ix, nil)
	redirect := activity(t, "rest", vaultPay, diagSuffix, "Microsoft.Insights/diagnosticSettings/write", "Succeeded", body("requestbody", setting(theirs, "kv")))
	if got := m.Tamper(&redirect); len(got) != 0 {
		t.Fatalf("knowing no destination, a redirect alerted: %+v", got[0].Class)
	}
	d := &auditpath.Destinations{}
	d.Add(auditpath.Destination{Kind: auditpath.EventHub, Namespace: "hv-soc", NamespaceID: ours, Hub: "kv"})
	m.SetDestinations(d)
	for _, shape := range []string{"export", "rest", "AzureActivity"} {
		ev := activity(t, shape, vaultPay, diagSuffix, "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/WRITE", map[string]string{"export": "Success", "rest": "Succeeded", "AzureActivity": "Success"}[shape],
			body("requestbody", setting(theirs, "kv")))
		if got := m.Tamper(&ev); len(got) != 1 || got[0].Class != ClassAuditPathRedirected || got[0].Severity != High {
			t.Errorf("%s: redirect raised %+v; want one audit-path-redirected", shape, got)
		}
	}
	for name, b := range map[string]string{"our hub in another case": setting(strings.ToUpper(ours), "KV"), "our namespace's other hub": setting(ours, "other")} {
		ev := activity(t, "rest", vaultPay, diagSuffix, "Microsoft.Insights/diagnosticSettings/write", "Succeeded", body("requestbody", b))
		got := m.Tamper(&ev)
		if want := name == "our namespace's other hub"; (len(got) == 1 && got[0].Class == ClassAuditPathRedirected) != want {
			t.Errorf("%s: alerts %+v; want redirected %v", name, got, want)
		}
	}
	if !strings.Contains(DescribeTamper(ClassAuditPathRedirected, false), "does not read") || !ClassAuditPathRedirected.IsAuditPath() {
		t.Error("the redirect class is not described as an audit-path change")
	}
}
