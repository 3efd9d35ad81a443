package detect

import (
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/registry"
)

const (
	testVaultStore = "vault://prod/secret"
	testAWSStore   = "arn:aws:secretsmanager:eu-west-1:111122223333"
)

func providerIndex(t *testing.T) *Index {
	t.Helper()
	ix, err := NewIndex([]registry.Decoy{
		{ID: 1, VaultID: testVaultStore, Name: "apps/payments/DB", Type: registry.Secret},
		{ID: 2, VaultID: testAWSStore, Name: "prod/stripe-key", Type: registry.Secret},
		{ID: 3, VaultID: "/subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/kv-a", Name: "db", Type: registry.Secret},
	})
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

func TestIndexOtherProviders(t *testing.T) {
	ix := providerIndex(t)
	if ix.Len() != 3 {
		t.Fatalf("Len = %d", ix.Len())
	}
	ev := func(store, name, uri string) *auditlog.Event {
		sid, _ := registry.ParseStoreID(store)
		return &auditlog.Event{Kind: auditlog.KindAudit, VaultID: store, VaultName: sid.Name, ObjectType: registry.Secret, ObjectName: name, ObjectURI: uri}
	}
	cases := []struct {
		name string
		ev   *auditlog.Event
		want int64 // decoy id, 0 for none
	}{
		{"vault exact", ev(testVaultStore, "apps/payments/DB", ""), 1},
		{"vault other case", ev(testVaultStore, "apps/payments/db", ""), 0},
		{"vault other mount", ev("vault://prod/kv", "apps/payments/DB", ""), 0},
		{"vault other cluster", ev("vault://stage/secret", "apps/payments/DB", ""), 0},
		{"vault cluster in other case", ev("vault://PROD/secret", "apps/payments/DB", ""), 1},
		{"vault prefix", ev(testVaultStore, "apps/payments", ""), 0},
		{"aws by name", ev(testAWSStore, "prod/stripe-key", ""), 2},
		{"aws by full ARN", ev(testAWSStore, "prod/stripe-key-AbC123", "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/stripe-key-AbC123"), 2},
		{"aws by partial ARN", ev(testAWSStore, "prod/stripe-key", "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/stripe-key"), 2},
		{"aws name with suffix, not an ARN", ev(testAWSStore, "prod/stripe-key-AbC123", ""), 0},
		{"aws other case", ev(testAWSStore, "Prod/Stripe-Key", ""), 0},
		{"aws other account", ev("arn:aws:secretsmanager:eu-west-1:444455556666", "prod/stripe-key", ""), 0},
		{"aws other region", ev("arn:aws:secretsmanager:us-east-1:111122223333", "prod/stripe-key", ""), 0},
		{"key vault unaffected", ev("/subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/kv-a", "DB", ""), 3},
	}
	for _, c := range cases {
		got := ix.Lookup(c.ev)
		switch {
		case c.want == 0 && len(got) != 0:
			t.Errorf("%s: matched %+v", c.name, got)
		case c.want != 0 && (len(got) != 1 || got[0].ID != c.want):
			t.Errorf("%s: got %+v, want decoy %d", c.name, got, c.want)
		}
	}
	if id, name, ok := ix.Vault("vault://PROD/secret"); !ok || id != testVaultStore || name != "prod/secret" {
		t.Errorf("Vault = %q %q %v", id, name, ok)
	}
	if n := ix.Remove(registry.Decoy{VaultID: testAWSStore, Name: "prod/stripe-key", Type: registry.Secret}); n != 1 {
		t.Errorf("Remove = %d", n)
	}
	if got := ix.Lookup(ev(testAWSStore, "prod/stripe-key", "")); got != nil {
		t.Errorf("removed decoy still matches: %+v", got)
	}
	if _, _, ok := ix.Vault(testAWSStore); ok {
		t.Error("a store with no decoys left still reported")
	}
	// Retiring removes too.
	if err := ix.Add(registry.Decoy{VaultID: testVaultStore, Name: "apps/payments/DB", Type: registry.Secret, Status: registry.Retired}); err != nil {
		t.Fatal(err)
	}
	if ix.Len() != 1 {
		t.Errorf("Len after retire = %d", ix.Len())
	}
}

func TestClassifyOtherProviders(t *testing.T) {
	cases := []struct {
		store, op, action string
		want              Class
	}{
		{testVaultStore, "vault:read", "data", ClassRead},
		{testVaultStore, "vault:read", "metadata", ClassMetadata},
		{testVaultStore, "vault:update", "data", ClassWrite},
		{testVaultStore, "vault:update", "destroy", ClassPurge},
		{testVaultStore, "vault:delete", "metadata", ClassPurge},
		{testVaultStore, "vault:update", "undelete", ClassRecover},
		{testVaultStore, "vault:list", "metadata", ClassList},
		{testVaultStore, "vault:sudo", "data", ClassOther},
		{testAWSStore, "GetSecretValue", "", ClassRead},
		{testAWSStore, "BatchGetSecretValue", "", ClassRead},
		{testAWSStore, "DescribeSecret", "", ClassMetadata},
		{testAWSStore, "DeleteSecret", "", ClassDelete},
		{testAWSStore, "RestoreSecret", "", ClassRecover},
		{testAWSStore, "RotationFailed", "", ClassNotification},
		{testAWSStore, "SecretGet", "", ClassOther}, // Key Vault's names mean nothing here
		{testAWSStore, "getsecretvalue", "", ClassOther},
	}
	for _, c := range cases {
		ev := &auditlog.Event{Kind: auditlog.KindAudit, VaultID: c.store, Operation: c.op, Action: c.action}
		if got := Classify(ev); got != c.want {
			t.Errorf("Classify(%s %s %s) = %s, want %s", c.store, c.op, c.action, got, c.want)
		}
	}
}

// An allow rule's name compares as the decoy's store compares names.
func TestAllowScopeNameCase(t *testing.T) {
	kv := "/subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/kv-a"
	for _, c := range []struct {
		vault, rule, decoy string
		want               bool
	}{
		{kv, "db-password", "DB-Password", true},
		{testVaultStore, "apps/db", "apps/DB", false},
		{testVaultStore, "apps/db", "apps/db", true},
		{testAWSStore, "prod/Stripe", "prod/stripe", false},
		{"vault://PROD/secret", "apps/db", "apps/db", true}, // the cluster is ours: any case
	} {
		s := Scope{VaultID: c.vault, Name: c.rule}
		d := registry.Decoy{VaultID: strings.ToLower(c.vault[:1]) + c.vault[1:], Name: c.decoy, Type: registry.Secret}
		if c.vault == "vault://PROD/secret" {
			d.VaultID = testVaultStore
		}
		if got := s.Covers(d); got != c.want {
			t.Errorf("rule %s %q covers %q: %v, want %v", c.vault, c.rule, c.decoy, got, c.want)
		}
	}
}
