package registry

import (
	"bytes"
	"strings"
	"testing"
)

func TestParseStoreID(t *testing.T) {
	good := []struct {
		id   string
		want StoreID
	}{
		{"/subscriptions/S1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-app",
			StoreID{Provider: AzureKeyVault, Group: "S1", ResourceGroup: "rg", Name: "kv-app"}},
		{"vault://prod/secret", StoreID{Provider: HashiCorpVault, Group: "prod", Mount: "secret", Name: "prod/secret"}},
		{"vault://prod.eu/kv/team-a/", StoreID{Provider: HashiCorpVault, Group: "prod.eu", Mount: "kv/team-a", Name: "prod.eu/kv/team-a"}},
		{"arn:aws:secretsmanager:us-east-1:111122223333",
			StoreID{Provider: AWSSecretsManager, Partition: "aws", Region: "us-east-1", Group: "111122223333", Name: "111122223333/us-east-1"}},
		{"arn:aws-us-gov:secretsmanager:us-gov-west-1:111122223333",
			StoreID{Provider: AWSSecretsManager, Partition: "aws-us-gov", Region: "us-gov-west-1", Group: "111122223333", Name: "111122223333/us-gov-west-1"}},
	}
	for _, c := range good {
		got, err := ParseStoreID(c.id)
		if err != nil || got != c.want {
			t.Errorf("ParseStoreID(%q) = %+v, %v; want %+v", c.id, got, err, c.want)
		}
	}
	for _, id := range []string{
		"", "kv-app", "vault://", "vault://prod", "vault://prod/", "vault://pr od/secret", "vault://prod/a//b", "vault://prod/../x",
		"arn:aws:secretsmanager:us-east-1:1111", "arn:aws:secretsmanager:us-east-1:111122223333:secret:x",
		"arn:aws:s3:us-east-1:111122223333", "arn:foo:secretsmanager:us-east-1:111122223333", "arn:aws:secretsmanager:US-EAST-1:111122223333",
		"/subscriptions/S1/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/x",
	} {
		if _, err := ParseStoreID(id); err == nil {
			t.Errorf("ParseStoreID(%q) accepted", id)
		}
	}
}

func TestProviderNamesAndCase(t *testing.T) {
	vaultDecoy := Decoy{VaultID: "vault://Prod/Secret", Name: "apps/payments/DB", Type: Secret}
	if err := vaultDecoy.Validate(); err != nil {
		t.Fatal(err)
	}
	if vaultDecoy.VaultName != "Prod/Secret" || vaultDecoy.Provider() != HashiCorpVault {
		t.Errorf("vault decoy = %+v", vaultDecoy)
	}
	// Vault tells paths and mounts apart by case; the cluster name is ours.
	if got, want := vaultDecoy.Key(), "vault://prod/Secret|secret|apps/payments/DB"; got != want {
		t.Errorf("Key = %q, want %q", got, want)
	}
	other := Decoy{VaultID: "vault://prod/Secret", Name: "apps/payments/db", Type: Secret}
	if other.Key() == vaultDecoy.Key() {
		t.Error("names differing in case are one Vault decoy")
	}
	kv := Decoy{VaultID: "/subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/kv-a", Name: "DB", Type: Secret}
	if kv.Key() != (Decoy{VaultID: strings.ToUpper(kv.VaultID), Name: "db", Type: Secret}).Key() {
		t.Error("Key Vault names differing in case are two decoys")
	}
	aws := Decoy{VaultID: "arn:aws:secretsmanager:eu-west-1:111122223333", Name: "prod/payments/stripe-key", Type: Secret}
	if err := aws.Validate(); err != nil || aws.VaultName != "111122223333/eu-west-1" {
		t.Errorf("aws decoy: %+v, %v", aws, err)
	}
	for _, d := range []Decoy{
		{VaultID: "vault://prod/secret", Name: "apps/db", Type: Key},      // only secrets outside Key Vault
		{VaultID: "vault://prod/secret", Name: "apps//db", Type: Secret},  // empty segment
		{VaultID: "vault://prod/secret", Name: "/apps/db", Type: Secret},  // leading slash
		{VaultID: "vault://prod/secret", Name: "apps/db?x", Type: Secret}, // not a path byte
		{VaultID: "arn:aws:secretsmanager:eu-west-1:111122223333", Name: "a b", Type: Secret},
		{VaultID: "arn:aws:secretsmanager:eu-west-1:111122223333", Name: strings.Repeat("a", 513), Type: Secret},
		{VaultID: "vault://prod/secret", Name: "honeyvault-heartbeat-x", Type: Secret},
		{VaultID: kv.VaultID, Name: "apps/db", Type: Secret}, // a Key Vault name has no slash
	} {
		if err := d.Validate(); err == nil {
			t.Errorf("Validate(%+v) accepted", d)
		}
	}
}

func TestWatchlistProviders(t *testing.T) {
	in := []Decoy{
		{VaultID: "/subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/kv-a", Name: "db", Type: Key},
		{VaultID: "vault://prod/secret", Name: "apps/payments/db", Type: Secret},
		{VaultID: "arn:aws:secretsmanager:eu-west-1:111122223333", Name: "prod/stripe", Type: Secret},
	}
	var b bytes.Buffer
	if err := WriteWatchlist(&b, in); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Microsoft.KeyVault,/subscriptions/", "HashiCorp.Vault,vault://prod/secret,apps/payments/db", "AWS.SecretsManager,arn:aws:secretsmanager:eu-west-1:111122223333,prod/stripe"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("watchlist lacks %q:\n%s", want, b.String())
		}
	}
	out, err := ReadWatchlist(&b)
	if err != nil || len(out) != 3 {
		t.Fatalf("ReadWatchlist = %d rows, %v", len(out), err)
	}
	for i := range in {
		if out[i].Key() != in[i].Key() {
			t.Errorf("row %d: %s, want %s", i, out[i].Key(), in[i].Key())
		}
	}
	// A row whose provider column contradicts its id is refused.
	bad := "ResourceProvider,ResourceId,HoneyToken,Properties\nMicrosoft.KeyVault,vault://prod/secret,apps/db,\"{\"\"Type\"\":\"\"secret\"\"}\"\n"
	if _, err := ReadWatchlist(strings.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "HashiCorp Vault store") {
		t.Errorf("contradicting provider: %v", err)
	}
}
