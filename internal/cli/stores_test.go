package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	vaultapi "github.com/hashicorp/vault/api"

	"github.com/honeyvault/honeyvault/internal/awsemu"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/vaultemu"
)

const storesAccount = "111122223333"

// storeEstate is a Vault emulator over TLS (a KV v2 mount with real
// secrets, a token holding the documented policy) and a Secrets Manager
// emulator (one region, real secrets, a planter with the documented IAM
// policy), with the admin clients a test uses to look behind honeyvault's
// back, and a config file naming both.
type storeEstate struct {
	vault   *vaultapi.Client // root
	sm      *sm.Client       // admin
	config  string
	db      string
	vaultID string
	awsID   string
}

func newStoreEstate(t *testing.T) *storeEstate {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}

	v, err := vaultemu.New(vaultemu.Options{Mounts: []string{"secret/"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.StartTLS(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	if _, err := v.SeedEstate(7); err != nil {
		t.Fatal(err)
	}
	if err := v.SetPolicy(vaultemu.Policy{Name: "honeyvault", Rules: []vaultemu.PathRule{
		{Path: "sys/mounts", Capabilities: []string{"read"}},
		{Path: "auth/token/lookup-self", Capabilities: []string{"read"}},
		{Path: "secret/metadata/*", Capabilities: []string{"list", "read", "create", "update", "delete"}},
		{Path: "secret/data/*", Capabilities: []string{"create"}},
	}}); err != nil {
		t.Fatal(err)
	}
	tok, err := v.CreateToken(vaultemu.TokenOptions{DisplayName: "token-honeyvault", Policies: []string{"honeyvault"}, EntityID: "ent-planter"})
	if err != nil {
		t.Fatal(err)
	}
	vcfg := vaultapi.DefaultConfig()
	vcfg.Address, vcfg.MaxRetries, vcfg.Timeout = v.URL(), 0, 30*time.Second
	if err := vcfg.ConfigureTLS(&vaultapi.TLSConfig{CACertBytes: v.CACertPEM()}); err != nil {
		t.Fatal(err)
	}
	root, err := vaultapi.NewClient(vcfg)
	if err != nil {
		t.Fatal(err)
	}
	root.SetToken(v.RootToken())

	a, err := awsemu.New(awsemu.Options{AccountID: storesAccount, Regions: []string{"eu-west-1"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		a.Close(cctx)
	})
	if err := a.PutUser("admin", awsemu.AllowAll()); err != nil {
		t.Fatal(err)
	}
	if err := a.PutUser("honeyvault", awsemu.Policy{Statements: []awsemu.Statement{
		{Effect: awsemu.Allow, Actions: []string{"secretsmanager:ListSecrets"}, Resources: []string{"*"}},
		{Effect: awsemu.Allow, Actions: []string{"secretsmanager:CreateSecret", "secretsmanager:TagResource", "secretsmanager:DeleteSecret"},
			Resources: []string{"arn:aws:secretsmanager:*:" + storesAccount + ":secret:*"}},
	}}); err != nil {
		t.Fatal(err)
	}
	admin, err := a.NewAccessKey("admin")
	if err != nil {
		t.Fatal(err)
	}
	planter, err := a.NewAccessKey("honeyvault")
	if err != nil {
		t.Fatal(err)
	}
	acfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion("eu-west-1"),
		awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(admin.AccessKeyID, admin.SecretAccessKey, "")),
		awsconfig.WithCustomCABundle(bytes.NewReader(a.CACertPEM())), awsconfig.WithSharedConfigFiles([]string{}), awsconfig.WithSharedCredentialsFiles([]string{}))
	if err != nil {
		t.Fatal(err)
	}
	adminSM := sm.NewFromConfig(acfg, func(o *sm.Options) { o.BaseEndpoint = aws.String(a.URL()) })
	for _, n := range []string{"prod/payments/db_credentials", "prod/payments/stripe_api_key", "prod/orders/slack_bot_token"} {
		if _, err := adminSM.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String(n), SecretString: aws.String(`{"k":"real"}`)}); err != nil {
			t.Fatal(err)
		}
	}

	t.Setenv("HV_TEST_AWS_KEY", planter.AccessKeyID)
	t.Setenv("HV_TEST_AWS_SECRET", planter.SecretAccessKey)
	cfg := `
vault:
  clusters:
    - name: corp
      address: ` + v.URL() + `
      token_file: ` + write("vault-token", []byte(tok.ID+"\n")) + `
      ca_file: ` + write("vault-ca.pem", v.CACertPEM()) + `
aws:
  account: "` + storesAccount + `"
  regions: [eu-west-1]
  principal_arn: ` + planter.ARN + `
  access_key_id_env: HV_TEST_AWS_KEY
  secret_access_key_env: HV_TEST_AWS_SECRET
  endpoint: ` + a.URL() + `
  ca_file: ` + write("aws-ca.pem", a.CACertPEM()) + `
`
	return &storeEstate{vault: root, sm: adminSM, config: write("honeyvault.yaml", []byte(cfg)),
		db: "sqlite:" + filepath.Join(dir, "hv.db"), vaultID: "vault://corp/secret", awsID: "arn:aws:secretsmanager:eu-west-1:" + storesAccount}
}

// inStore reports whether a decoy is in its store, asked as the admin.
func (e *storeEstate) inStore(t *testing.T, d registry.Decoy) bool {
	t.Helper()
	ctx := context.Background()
	switch registry.ProviderOf(d.VaultID) {
	case registry.HashiCorpVault:
		m, err := e.vault.KVv2("secret").GetMetadata(ctx, d.Name)
		if errors.Is(err, vaultapi.ErrSecretNotFound) || err == nil && m == nil {
			return false
		}
		if err != nil {
			t.Fatal(err)
		}
		return true
	default:
		out, err := e.sm.ListSecrets(ctx, &sm.ListSecretsInput{})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range out.SecretList {
			if aws.ToString(s.Name) == d.Name {
				return true
			}
		}
		return false
	}
}

// remove deletes a decoy behind honeyvault's back.
func (e *storeEstate) remove(t *testing.T, d registry.Decoy) {
	t.Helper()
	ctx := context.Background()
	var err error
	if registry.ProviderOf(d.VaultID) == registry.HashiCorpVault {
		err = e.vault.KVv2("secret").DeleteMetadata(ctx, d.Name)
	} else {
		_, err = e.sm.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String(d.Name), ForceDeleteWithoutRecovery: aws.Bool(true)})
	}
	if err != nil {
		t.Fatal(err)
	}
}

func TestStoresBadConfigChangesNothing(t *testing.T) {
	e := newStoreEstate(t)
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("vault:\n  clusters:\n    - name: corp\n      address: https://127.0.0.1:1\n      token: hvs.NOT-IN-YAML\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "hv.db")
	for _, args := range [][]string{
		{"plant", "--config", bad, "--db", "sqlite:" + db, "--provider", "hashicorp-vault"},
		{"stores", "discover", "--config", bad, "--db", "sqlite:" + db},
		{"retire", "--config", bad, "--db", "sqlite:" + db, "--all"},
		{"reconcile", "--config", bad, "--db", "sqlite:" + db},
	} {
		code, out, stderr := runNames(t, "", args...)
		if code != 2 || !strings.Contains(stderr, "vault.clusters[0].token") || !strings.Contains(stderr, "token_file") {
			t.Errorf("%s: exit %d; want 2 naming the setting\n%s\n%s", args[0], code, out, stderr)
		}
		if strings.Contains(out+stderr, "NOT-IN-YAML") {
			t.Errorf("%s: the token is shown:\n%s", args[0], stderr)
		}
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("a bad config created the database (%v)", err)
	}
	// Usage errors: a provider that is not configured, a store that is not there.
	for _, args := range [][]string{
		{"plant", "--config", e.config, "--db", e.db, "--store", "vault://corp/nope", "--dry-run"},
		{"plant", "--db", e.db, "--provider", "aws-secretsmanager", "--dry-run"},
		{"plant", "--config", e.config, "--db", e.db, "--provider", "gcp", "--dry-run"},
		{"plant", "--config", e.config, "--db", e.db, "--all", "--store", "vault://corp/secret"},
	} {
		if code, out, stderr := runNames(t, "", args...); code != 2 {
			t.Errorf("%v: exit %d; want 2\n%s\n%s", args, code, out, stderr)
		}
	}
	if got := registryOf(t, e.db); len(got) != 0 {
		t.Errorf("%d decoys recorded by refused runs", len(got))
	}
}

func TestStoresPlantRetireReconcile(t *testing.T) {
	e := newStoreEstate(t)
	c, db := e.config, e.db

	code, out, stderr := runNames(t, "", "stores", "discover", "--config", c, "--db", db)
	if code != 0 || !hasRow(out, "hashicorp-vault corp 1 1 0 0 ok") || !hasRow(out, "aws-secretsmanager "+storesAccount+" 1 1 0 0 ok") {
		t.Fatalf("discover: exit %d\n%s\n%s", code, out, stderr)
	}

	// A dry run prints the plan, names and tags but no value, and writes nothing.
	code, out, stderr = runNames(t, "", "plant", "--config", c, "--db", db, "--store", e.vaultID, "--provider", "aws-secretsmanager", "--dry-run")
	if code != 0 {
		t.Fatalf("dry run: exit %d\n%s\n%s", code, out, stderr)
	}
	for _, want := range []string{"keep this output private", "corp/secret  (HashiCorp Vault corp, vault://corp/secret)",
		"(AWS " + storesAccount + ", " + e.awsID + ")", "  + secret", "would be created in 2 stores"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(stderr, "checking 2 stores") {
		t.Errorf("progress: %s", stderr)
	}
	if got := registryOf(t, db); len(got) != 0 {
		t.Fatalf("a dry run recorded %d decoys", len(got))
	}

	code, out, stderr = runNames(t, "", "plant", "--config", c, "--db", db, "--provider", "hashicorp-vault", "--provider", "aws-secretsmanager", "--probability", "1", "--max", "2")
	if code != 0 || !strings.Contains(out, "STORE") || !strings.Contains(out, "in 2 stores") {
		t.Fatalf("plant: exit %d\n%s\n%s", code, out, stderr)
	}
	decoys := registryOf(t, db)
	kinds := map[registry.Provider][]registry.Decoy{}
	for _, d := range decoys {
		kinds[registry.ProviderOf(d.VaultID)] = append(kinds[registry.ProviderOf(d.VaultID)], d)
		if !e.inStore(t, d) {
			t.Errorf("%s recorded but not in %s", d.Name, d.VaultID)
		}
		if strings.Contains(stderr, d.Name) || strings.Contains(out[strings.Index(out, "STORE"):], d.Name) {
			t.Errorf("progress or the final table names decoy %s", d.Name)
		}
	}
	if len(kinds[registry.HashiCorpVault]) != 2 || len(kinds[registry.AWSSecretsManager]) != 2 {
		t.Fatalf("decoys by provider: %v; want two in each", kinds)
	}

	// Again: covered, nothing new.
	if code, out, _ = runNames(t, "", "plant", "--config", c, "--db", db, "--store", "corp/secret"); code != 0 || !strings.Contains(out, "covered") {
		t.Errorf("second run: exit %d\n%s", code, out)
	}

	// Reconcile finds a decoy of each store deleted behind its back, with
	// no Azure sign-in (none is configured).
	gone := []registry.Decoy{kinds[registry.HashiCorpVault][0], kinds[registry.AWSSecretsManager][0]}
	for _, d := range gone {
		e.remove(t, d)
	}
	code, out, stderr = runNames(t, "", "reconcile", "--config", c, "--db", db)
	if code != 1 || !strings.Contains(out, "2 vaults checked, 2 new findings") {
		t.Fatalf("reconcile: exit %d; want 1 with two findings\n%s\n%s", code, out, stderr)
	}
	status := map[int64]registry.Status{}
	for _, d := range registryOf(t, db) {
		status[d.ID] = d.Status
	}
	for _, d := range gone {
		if status[d.ID] != registry.Missing {
			t.Errorf("%s: status %s; want missing", d.VaultID, status[d.ID])
		}
	}

	// Retire takes every decoy out of its store and keeps the rows: the
	// second of each store is deleted now.
	for _, d := range []registry.Decoy{kinds[registry.HashiCorpVault][1], kinds[registry.AWSSecretsManager][1]} {
		if !e.inStore(t, d) {
			t.Fatalf("%s is not in %s before retire", d.Name, d.VaultID)
		}
	}
	code, out, stderr = runNames(t, "", "retire", "--config", c, "--db", db, "--all")
	if code != 0 || strings.Count(out, "retired (not in the store any more)") != 2 || !hasRow(out, fmt.Sprintf("%d corp/secret secret retired", kinds[registry.HashiCorpVault][1].ID)) ||
		!hasRow(out, fmt.Sprintf("%d %s/eu-west-1 secret retired", kinds[registry.AWSSecretsManager][1].ID, storesAccount)) {
		t.Fatalf("retire: exit %d; want two deleted now, two gone already\n%s\n%s", code, out, stderr)
	}
	for _, d := range registryOf(t, db) {
		if d.Status != registry.Retired {
			t.Errorf("%s in %s: status %s; want retired", d.Name, d.VaultID, d.Status)
		}
		if e.inStore(t, d) {
			t.Errorf("%s still in %s after retire", d.Name, d.VaultID)
		}
	}
}

// hasRow reports whether a table has a row of these cells.
func hasRow(table, cells string) bool {
	for _, l := range strings.Split(table, "\n") {
		if strings.Join(strings.Fields(l), " ") == cells {
			return true
		}
	}
	return false
}

// --all takes every key vault and every configured store in one run: Key
// Vault's plan and table as they were, then the stores'; one failed vault
// makes the status 1 without stopping the stores.
func TestPlantAllTakesKeyVaultAndStores(t *testing.T) {
	_, _ = plantEstate(t)
	e := newStoreEstate(t)
	code, out, stderr := runNames(t, "", "plant", "--config", e.config, "--db", e.db, "--all", "--types", "secret")
	if code != 1 {
		t.Errorf("exit %d; want 1 (kv-locked fails)\n%s\n%s", code, out, stderr)
	}
	for _, want := range []string{"kv-orders-prod", "kv-locked", "decoys planted in 3 vaults", "STORE", "corp/secret", storesAccount + "/eu-west-1", "decoys planted in 2 stores"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	kinds := map[registry.Provider]int{}
	for _, d := range registryOf(t, e.db) {
		kinds[registry.ProviderOf(d.VaultID)]++
	}
	if kinds[registry.AzureKeyVault] != 2 || kinds[registry.HashiCorpVault] == 0 || kinds[registry.AWSSecretsManager] == 0 {
		t.Errorf("decoys by provider %v; want 2 in key vaults and some in each store", kinds)
	}
}
