package auditpath

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestWiring(t *testing.T) {
	const ns = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.EventHub/namespaces/hv-soc"
	const acc = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/hvlogs/"
	const ws = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/soc"
	tests := []struct {
		name string
		list []Destination
		want Setting
		err  string
	}{
		{"event hub by id", []Destination{{Kind: EventHub, Namespace: "hv-soc", NamespaceID: ns, Hub: "kv-audit"}},
			Setting{EventHubAuthorizationRuleID: ns + "/authorizationRules/RootManageSharedAccessKey", EventHubName: "kv-audit"}, ""},
		{"the first known by id wins", []Destination{{Kind: Storage, Account: "hvlogs"}, {Kind: Storage, Account: "hvlogs", AccountID: acc}, {Kind: Workspace, WorkspaceID: ws}},
			Setting{StorageAccountID: strings.TrimRight(acc, "/")}, ""},
		{"workspace", []Destination{{Kind: Workspace, WorkspaceID: ws}}, Setting{WorkspaceID: ws}, ""},
		{"names only", []Destination{{Kind: EventHub, Namespace: "hv-soc"}, {Kind: Storage, Account: "hvlogs"}}, Setting{},
			"only the name of the Event Hubs namespace hv-soc (set its namespace to the ARM id, or list it in diagnostics.destinations), and of the storage account hvlogs"},
		{"nothing", nil, Setting{}, "configure an eventhubs, storage or loganalytics source"},
	}
	for _, tt := range tests {
		d := &Destinations{list: tt.list}
		got, err := d.Wiring()
		if tt.err != "" {
			if !errors.Is(err, ErrNoWiring) || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: error %v; want %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got.Name != WiringName || len(got.Logs) != 1 || got.Logs[0] != (Log{Category: "AuditEvent", Enabled: true}) || !d.Reads(got) {
			t.Errorf("%s: %+v is not an AuditEvent setting honeyvault reads", tt.name, got)
		}
		got.Name, got.Logs = "", nil
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %+v; want %+v", tt.name, got, tt.want)
		}
	}
}
