package auditpath

import (
	"testing"

	"github.com/honeyvault/honeyvault/internal/config"
)

const (
	nsSOC   = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-soc/providers/Microsoft.EventHub/namespaces/hv-soc"
	ruleSOC = nsSOC + "/authorizationRules/RootManageSharedAccessKey"
	ruleOut = "/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg-x/providers/Microsoft.EventHub/namespaces/exfil/authorizationRules/send"
	accSOC  = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-soc/providers/Microsoft.Storage/storageAccounts/hvarchive"
	accOut  = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-soc/providers/Microsoft.Storage/storageAccounts/otherarchive"
	wsSOC   = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-soc/providers/Microsoft.OperationalInsights/workspaces/law-soc"
	wsOut   = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-other/providers/Microsoft.OperationalInsights/workspaces/law-soc"
)

var audit = []Log{{Category: "AuditEvent", Enabled: true}}

func hubSetting(rule, hub string) Setting {
	return Setting{Name: "s", EventHubAuthorizationRuleID: rule, EventHubName: hub, Logs: audit}
}

func TestReads(t *testing.T) {
	cfg := config.Default()
	cfg.Ingest.EventHubs = []config.EventHubsSource{{Name: "eh",
		ConnectionString: "Endpoint=sb://HV-SOC.servicebus.windows.net/;SharedAccessKeyName=listen;SharedAccessKey=abc=;EntityPath=kv-audit"}}
	cfg.Ingest.Storage = []config.StorageSource{{Name: "st", AccountURL: "https://hvarchive.blob.core.windows.net"}}
	cfg.Ingest.LogAnalytics = []config.LogAnalyticsSource{{Name: "law", WorkspaceID: "0000", WorkspaceResourceID: wsSOC}}
	d := FromConfig(cfg)
	tests := []struct {
		name string
		s    Setting
		want bool
	}{
		{"the source's namespace and hub", hubSetting(ruleSOC, "kv-audit"), true},
		{"ARM id in another case", hubSetting(stringsUpper(ruleSOC), "KV-AUDIT"), true},
		{"other hub of the namespace", hubSetting(ruleSOC, "other"), false},
		{"no hub: insights-logs-auditevent, not the source's", hubSetting(ruleSOC, ""), false},
		{"other namespace", hubSetting(ruleOut, "kv-audit"), false},
		{"the storage account", Setting{StorageAccountID: accSOC, Logs: audit}, true},
		{"the storage account, upper case", Setting{StorageAccountID: stringsUpper(accSOC) + "/", Logs: audit}, true},
		{"other account", Setting{StorageAccountID: accOut, Logs: audit}, false},
		{"the workspace", Setting{WorkspaceID: stringsUpper(wsSOC), Logs: audit}, true},
		{"a workspace of the same name elsewhere", Setting{WorkspaceID: wsOut, Logs: audit}, false},
		{"audit group", Setting{StorageAccountID: accSOC, Logs: []Log{{CategoryGroup: "audit", Enabled: true}}}, true},
		{"allLogs group", Setting{StorageAccountID: accSOC, Logs: []Log{{CategoryGroup: "allLogs", Enabled: true}}}, true},
		{"AuditEvent disabled", Setting{StorageAccountID: accSOC, Logs: []Log{{Category: "AuditEvent"}}}, false},
		{"other category", Setting{StorageAccountID: accSOC, Logs: []Log{{Category: "AzurePolicyEvaluationDetails", Enabled: true}}}, false},
		{"one of two destinations read", Setting{StorageAccountID: accOut, WorkspaceID: wsSOC, Logs: audit}, true},
		{"not a storage id", Setting{StorageAccountID: "/subscriptions/x/resourceGroups/y/providers/Microsoft.Storage/other/hvarchive", Logs: audit}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := d.Reads(tt.s); got != tt.want {
				t.Errorf("Reads = %v; want %v", got, tt.want)
			}
		})
	}
}

func stringsUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func TestFromConfigSources(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*config.Config)
		want  []Destination
		vague []Kind
	}{
		{"eventhubs broker host, default topic", func(c *config.Config) {
			c.Ingest.EventHubs = []config.EventHubsSource{{Name: "e", Brokers: []string{"hv-soc.servicebus.windows.net:9093"}}}
		}, []Destination{{Kind: EventHub, Namespace: "hv-soc", Hub: DefaultHub}}, nil},
		{"eventhubs namespace id configured", func(c *config.Config) {
			c.Ingest.EventHubs = []config.EventHubsSource{{Name: "e", Brokers: []string{"127.0.0.1:9092"}, Namespace: nsSOC, Topic: "t"}}
		}, []Destination{{Kind: EventHub, Namespace: "hv-soc", NamespaceID: nsSOC, Hub: "t"}}, nil},
		{"plain kafka: vague", func(c *config.Config) {
			c.Ingest.EventHubs = []config.EventHubsSource{{Name: "e", Brokers: []string{"127.0.0.1:9092"}}}
		}, nil, []Kind{EventHub}},
		{"storage connection string", func(c *config.Config) {
			c.Ingest.Storage = []config.StorageSource{{Name: "s", ConnectionString: "DefaultEndpointsProtocol=https;AccountName=hvarchive;AccountKey=k==;EndpointSuffix=core.windows.net"}}
		}, []Destination{{Kind: Storage, Account: "hvarchive"}}, nil},
		{"storage path-style emulator URL", func(c *config.Config) {
			c.Ingest.Storage = []config.StorageSource{{Name: "s", AccountURL: "http://127.0.0.1:10000/devstoreaccount1"}}
		}, []Destination{{Kind: Storage, Account: "devstoreaccount1"}}, nil},
		{"workspace GUID only: vague", func(c *config.Config) {
			c.Ingest.LogAnalytics = []config.LogAnalyticsSource{{Name: "l", WorkspaceID: "0000"}}
		}, nil, []Kind{Workspace}},
		{"forwarded destinations", func(c *config.Config) {
			c.Diagnostics.Destinations = []string{nsSOC + "/eventhubs/kv", accSOC, wsSOC, "/subscriptions/x/junk"}
		}, []Destination{{Kind: EventHub, Namespace: "hv-soc", NamespaceID: nsSOC, Hub: "kv"}, {Kind: Storage, Account: "hvarchive", AccountID: accSOC},
			{Kind: Workspace, WorkspaceID: wsSOC}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := config.Default()
			tt.edit(&c)
			d := FromConfig(c)
			got := d.List()
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v; want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("[%d] got %+v; want %+v", i, got[i], tt.want[i])
				}
			}
			if v := d.Vague(); len(v) != len(tt.vague) || (len(v) > 0 && v[0] != tt.vague[0]) {
				t.Errorf("vague %v; want %v", v, tt.vague)
			}
		})
	}
}

// A vague kind counts any destination of that kind, and no other kind.
func TestVagueKind(t *testing.T) {
	var d Destinations
	d.AddVague(EventHub)
	if !d.Reads(hubSetting(ruleOut, "")) {
		t.Error("a vague event hub source must count any hub")
	}
	if d.Reads(Setting{StorageAccountID: accSOC, Logs: audit}) {
		t.Error("a vague event hub source counted a storage account")
	}
}

// With no destination known (only push and files), any setting sending
// AuditEvent counts, and one that sends none does not.
func TestNothingKnown(t *testing.T) {
	var d Destinations
	if d.Known() || !d.Reads(hubSetting(ruleOut, "x")) || d.Reads(Setting{StorageAccountID: accSOC}) {
		t.Error("the zero Destinations must count every AuditEvent route and only those")
	}
	if d.Fix("/subscriptions/s/resourceGroups/r/providers/Microsoft.KeyVault/vaults/v") != "" {
		t.Error("a fix without a destination")
	}
}
