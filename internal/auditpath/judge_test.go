package auditpath

import (
	"errors"
	"strings"
	"testing"
)

const vaultID = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-pay/providers/Microsoft.KeyVault/vaults/kv-pay"

func TestJudge(t *testing.T) {
	d := &Destinations{}
	d.Add(Destination{Kind: EventHub, Namespace: "hv-soc", NamespaceID: nsSOC, Hub: DefaultHub})
	metrics := Setting{Name: "metrics", StorageAccountID: accSOC, Logs: []Log{{Category: "AuditEvent", Enabled: false}}}
	tests := []struct {
		name     string
		settings []Setting
		want     State
		reason   string
	}{
		{"none", nil, NoSetting, "no diagnostic setting"},
		{"no AuditEvent", []Setting{metrics}, NoAuditEvent, "none of the vault's 1 diagnostic setting sends AuditEvent"},
		{"elsewhere", []Setting{metrics, {Name: "exfil", EventHubAuthorizationRuleID: ruleOut, Logs: audit}}, Elsewhere, "exfil"},
		// Every setting counts, not only the first.
		{"the second setting reads", []Setting{{Name: "exfil", EventHubAuthorizationRuleID: ruleOut, Logs: audit},
			{Name: "soc", EventHubAuthorizationRuleID: ruleSOC, Logs: []Log{{CategoryGroup: "audit", Enabled: true}}}}, OK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Judge(d, tt.settings)
			if v.State != tt.want || !strings.Contains(v.Reason, tt.reason) || (v.State == OK) != (v.Reason == "") {
				t.Errorf("got %+v; want %s with %q", v, tt.want, tt.reason)
			}
		})
	}
	if v := RefusedVerdict(); v.State != Refused || !strings.Contains(v.Reason, "Monitoring Reader") {
		t.Errorf("refused: %+v", v)
	}
	if v := FailedVerdict(errors.New("boom")); v.State != Failed || !strings.HasSuffix(v.Reason, "boom") {
		t.Errorf("failed: %+v", v)
	}
}

func TestFix(t *testing.T) {
	base := "az monitor diagnostic-settings create --name honeyvault --resource " + vaultID + ` --logs '[{"category":"AuditEvent","enabled":true}]'`
	tests := []struct {
		dst  Destination
		want string
	}{
		{Destination{Kind: EventHub, Namespace: "hv-soc", NamespaceID: nsSOC, Hub: "kv"}, base + " --event-hub kv --event-hub-rule " + ruleSOC},
		{Destination{Kind: EventHub, Namespace: "hv-soc"}, base + " --event-hub insights-logs-auditevent --event-hub-rule " +
			"/subscriptions/<subscription>/resourceGroups/<resource-group>/providers/Microsoft.EventHub/namespaces/hv-soc/authorizationRules/RootManageSharedAccessKey"},
		{Destination{Kind: Storage, Account: "hvarchive", AccountID: accSOC}, base + " --storage-account " + accSOC},
		{Destination{Kind: Workspace, WorkspaceID: wsSOC + "/"}, base + " --workspace " + wsSOC},
	}
	for _, tt := range tests {
		d := &Destinations{}
		d.Add(tt.dst)
		if got := d.Fix(vaultID); got != tt.want {
			t.Errorf("Fix for %+v:\n got %s\nwant %s", tt.dst, got, tt.want)
		}
	}
}
