package incident

import (
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/registry"
)

func alertFor(caller, ip, vault, name string, sev detect.Severity) *detect.Alert {
	return &detect.Alert{
		Decoy:    registry.Decoy{VaultID: vaultID(vault), VaultName: vault, Name: name, Type: registry.Secret},
		Event:    auditlog.Event{Kind: auditlog.KindAudit, Operation: "SecretGet", CorrelationID: caller + name, Caller: auditlog.Caller{ObjectID: caller, IP: ip}},
		Class:    detect.ClassRead,
		Severity: sev,
	}
}

func TestGroupKeys(t *testing.T) {
	a := alertFor("Mallory", "1.2.3.4", "kv-pay", "db", detect.High)
	tests := []struct {
		labels []string
		same   *detect.Alert // shares a's key
		other  *detect.Alert // does not
	}{
		{[]string{"vault", "caller"}, alertFor("mallory", "5.6.7.8", "KV-PAY", "other", detect.Medium), alertFor("mallory", "1.2.3.4", "kv-hr", "db", detect.High)},
		{[]string{"caller"}, alertFor("mallory", "5.6.7.8", "kv-hr", "x", detect.Medium), alertFor("eve", "1.2.3.4", "kv-pay", "db", detect.High)},
		{[]string{"vault", "decoy"}, alertFor("eve", "5.6.7.8", "kv-pay", "DB", detect.Medium), alertFor("mallory", "1.2.3.4", "kv-pay", "db2", detect.High)},
		{[]string{"ip"}, alertFor("eve", "1.2.3.4", "kv-hr", "x", detect.Medium), alertFor("mallory", "1.2.3.5", "kv-pay", "db", detect.High)},
		{[]string{"severity", "vault"}, alertFor("eve", "9.9.9.9", "kv-pay", "x", detect.High), alertFor("mallory", "1.2.3.4", "kv-pay", "db", detect.Medium)},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.labels, ","), func(t *testing.T) {
			g, err := NewGrouping(tt.labels)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := g.Key(tt.same), g.Key(a); got != want {
				t.Errorf("got %q; want %q", got, want)
			}
			if g.Key(tt.other) == g.Key(a) {
				t.Errorf("key %q shared by an alert that should not join", g.Key(a))
			}
		})
	}
}

func TestGroupEveryAlertAlone(t *testing.T) {
	g, err := NewGrouping([]string{"..."})
	if err != nil {
		t.Fatal(err)
	}
	a, b := alertFor("m", "", "kv-pay", "db", detect.High), alertFor("m", "", "kv-pay", "db", detect.High)
	b.Event.CorrelationID = "another"
	if g.Key(a) == g.Key(b) {
		t.Error("two accesses share a key with group_by [...]")
	}
}

func TestEveryConfigLabelIsSupported(t *testing.T) {
	a := alertFor("m", "1.2.3.4", "kv-pay", "db", detect.High)
	for _, l := range config.GroupLabels {
		if labelValue(l, a) == "" {
			t.Errorf("label %q has no value", l)
		}
	}
	if _, err := NewGrouping([]string{"vault", "tenant"}); err == nil {
		t.Error("unknown label accepted")
	}
	var zero Grouping
	if got, want := strings.Join(zero.Labels(), ","), "caller,vault"; got != want {
		t.Errorf("zero grouping: got %q; want %q", got, want)
	}
}

func TestSeverityTable(t *testing.T) {
	tests := []struct {
		alert  detect.Severity
		decoys int
		want   string
	}{
		{detect.Medium, 1, Medium},
		{detect.Medium, 2, Medium},
		{detect.Medium, 3, High},
		{detect.High, 1, High},
		{detect.High, 2, High},
		{detect.High, 3, Critical},
		{detect.High, 50, Critical},
	}
	for _, tt := range tests {
		if got := Severity(tt.alert, tt.decoys); got != tt.want {
			t.Errorf("Severity(%s, %d): got %q; want %q", tt.alert, tt.decoys, got, tt.want)
		}
	}
	if !(Rank(Critical) > Rank(High) && Rank(High) > Rank(Medium) && Rank(Medium) > Rank("")) {
		t.Error("ranks out of order")
	}
}

func TestTitles(t *testing.T) {
	tests := []struct {
		typ   registry.Type
		kind  auditlog.Kind
		class detect.Class
		want  string
	}{
		{registry.Secret, auditlog.KindAudit, detect.ClassRead, "HoneyTokens: KeyVault HoneyTokens secret accessed"},
		{registry.Key, auditlog.KindAudit, detect.ClassRead, "HoneyTokens: KeyVault HoneyTokens key accessed"},
		{registry.Certificate, auditlog.KindAudit, detect.ClassRead, "HoneyTokens: KeyVault HoneyTokens certificate accessed"},
		{"", auditlog.KindActivity, detect.ClassAuditPathDeleted, "HoneyTokens: KeyVault HoneyTokens diagnostic settings deleted or changed"},
		{"", auditlog.KindActivity, detect.ClassAuditPathChanged, "HoneyTokens: KeyVault HoneyTokens diagnostic settings deleted or changed"},
		{"", auditlog.KindActivity, detect.ClassAccessPolicy, "HoneyTokens: KeyVault HoneyTokens vault access changed"},
		{"", auditlog.KindActivity, detect.ClassRoleAssignment, "HoneyTokens: KeyVault HoneyTokens vault access changed"},
		{"", auditlog.KindActivity, detect.ClassVaultDeleted, "HoneyTokens: KeyVault HoneyTokens vault deleted or changed"},
		{"", auditlog.KindActivity, detect.ClassNetworkRules, "HoneyTokens: KeyVault HoneyTokens vault deleted or changed"},
	}
	for _, tt := range tests {
		a := &detect.Alert{Decoy: registry.Decoy{Type: tt.typ}, Event: auditlog.Event{Kind: tt.kind}, Class: tt.class}
		if got := Title(a); got != tt.want {
			t.Errorf("got %q; want %q", got, tt.want)
		}
	}
}
