package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"

	"github.com/honeyvault/honeyvault/internal/auditpath"
	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/ingest/ingesttest"
	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// The namespace honeyvault reads, and one it does not.
const (
	connectNS    = "/subscriptions/" + plantSub + "/resourceGroups/rg-soc/providers/Microsoft.EventHub/namespaces/hv-soc"
	connectOther = "/subscriptions/" + plantSub + "/resourceGroups/rg-team/providers/Microsoft.EventHub/namespaces/team/authorizationRules/send"
)

func connectConfig(t *testing.T, destinations string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "honeyvault.yaml")
	if err := os.WriteFile(p, []byte("diagnostics:\n  destinations: ["+destinations+"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func settingsOf(t *testing.T, emu *kvemu.Emulator, vault string) []auditpath.Setting {
	t.Helper()
	co := emu.ClientOptions()
	co.Cloud = emu.Cloud()
	az, err := azure.New(azure.Options{Credential: emu.Credential(cliPlanter), ClientOptions: co})
	if err != nil {
		t.Fatal(err)
	}
	v, _ := emu.Vault(vault)
	s, err := az.DiagnosticSettings(context.Background(), v.ID)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// azure connect against the emulator: the plan judges every decoy vault,
// a dry run changes nothing, the run creates the honeyvault setting where
// AuditEvent does not reach honeyvault (a team's own setting stays), a
// vault at Azure's limit is reported and left alone, every write is
// audited, and the wired vault's next decoy read reaches the namespace
// honeyvault reads.
func TestAzureConnectVerb(t *testing.T) {
	emu, db := plantEstate(t)
	sink := kvemu.NewMemorySink(0)
	if err := emu.RegisterDestination(connectNS+"/authorizationRules/"+auditpath.DefaultRule, sink, kvemu.DeliveryOptions{}); err != nil {
		t.Fatal(err)
	}
	team := kvemu.DiagnosticSetting{Name: "team-metrics", EventHubAuthorizationRuleID: connectOther,
		Logs: []kvemu.LogSettings{{Category: "AuditEvent", Enabled: true}}}
	if err := emu.SetDiagnosticSetting("kv-billing-prod", team); err != nil {
		t.Fatal(err)
	}
	if code, out, stderr := runNames(t, "", "plant", "--db", db, "--vault", "kv-orders-prod", "--vault", "kv-billing-prod", "--types", "secret"); code != 0 {
		t.Fatalf("plant: exit %d\n%s\n%s", code, out, stderr)
	}
	cfg := connectConfig(t, connectNS)

	code, out, stderr := runNames(t, "", "azure", "connect", "--config", cfg, "--db", db, "--dry-run")
	if code != 0 {
		t.Fatalf("dry run: exit %d\n%s\n%s", code, out, stderr)
	}
	for _, want := range []string{`Setting "honeyvault" sends AuditEvent to event hub insights-logs-auditevent through ` + connectNS + "/authorizationRules/RootManageSharedAccessKey",
		"kv-billing-prod  elsewhere       create", "kv-orders-prod   no-setting      create",
		"kv-billing-prod: AuditEvent goes only to destinations honeyvault does not read (diagnostic setting team-metrics)",
		"2 of 2 vaults would be wired, 0 blocked. Nothing changed"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q:\n%s", want, out)
		}
	}
	if s := settingsOf(t, emu, "kv-orders-prod"); len(s) != 0 {
		t.Fatalf("the dry run wrote %+v", s)
	}

	// A vault at Azure's limit of five settings, holding a decoy.
	if _, err := emu.CreateVault(kvemu.VaultSpec{Name: "kv-full", SubscriptionID: plantSub, ResourceGroup: "rg-apps"}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		team.Name = "team-" + n
		if err := emu.SetDiagnosticSetting("kv-full", team); err != nil {
			t.Fatal(err)
		}
	}
	full, _ := emu.Vault("kv-full")
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.AddDecoy(context.Background(), &registry.Decoy{VaultID: full.ID, Name: "full-db-password", Type: registry.Secret}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	code, out, stderr = runNames(t, "", "azure", "connect", "--config", cfg, "--db", db)
	if code != 1 {
		t.Errorf("run with a blocked vault: exit %d; want 1\n%s\n%s", code, out, stderr)
	}
	for _, want := range []string{"kv-full          elsewhere       blocked", "kv-full: the vault has 5 diagnostic settings, Azure's limit, and none is \"honeyvault\"",
		"kv-orders-prod   create   ok              wired", "kv-billing-prod  create   ok              wired", "kv-full          blocked  elsewhere       blocked", "2 vaults wired, 0 failed, 1 blocked."} {
		if !strings.Contains(out, want) {
			t.Errorf("run lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(stderr, "2/2 vaults wired") {
		t.Errorf("progress: %s", stderr)
	}
	billing := settingsOf(t, emu, "kv-billing-prod")
	if len(billing) != 2 {
		t.Fatalf("kv-billing-prod settings %+v; want team-metrics and honeyvault", billing)
	}
	if s := settingsOf(t, emu, "kv-full"); len(s) != 5 {
		t.Errorf("kv-full changed: %+v", s)
	}
	st, _ = store.Open(context.Background(), db)
	rows, _ := st.ListAudit(context.Background(), store.AuditFilter{Action: "vault.connect"})
	st.Close()
	if len(rows) != 2 || !strings.Contains(rows[0].Detail, "diagnostic setting honeyvault created") {
		t.Errorf("audit rows %+v", rows)
	}

	// The wired vault's next decoy read reaches the namespace honeyvault reads.
	var decoy registry.Decoy
	for _, d := range registryOf(t, db) {
		if d.VaultName == "kv-orders-prod" {
			decoy = d
		}
	}
	co := emu.ClientOptions()
	sc, err := azsecrets.NewClient(emu.VaultURL("kv-orders-prod"), emu.Credential(cliOwner), &azsecrets.ClientOptions{ClientOptions: co})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sc.GetSecret(context.Background(), decoy.Name, "", nil); err != nil {
		t.Fatal(err)
	}
	ingesttest.Eventually(t, time.Minute, "the decoy read delivered", func() bool {
		for _, r := range sink.Records() {
			if strings.Contains(string(r.JSON), decoy.Name) && strings.Contains(string(r.JSON), "SecretGet") {
				return true
			}
		}
		return false
	})

	// Again, on the wired vaults only: nothing to write.
	code, out, _ = runNames(t, "", "azure", "connect", "--config", cfg, "--db", db, "--vault", "kv-orders-prod", "--vault", "kv-billing-prod")
	if code != 0 || !strings.Contains(out, "Nothing to write: 2 vaults wired already, 0 blocked.") {
		t.Errorf("second run: exit %d\n%s", code, out)
	}

	// No destination known by its resource id: a clear usage error.
	code, _, stderr = runNames(t, "", "azure", "connect", "--db", db)
	if code != 2 || !strings.Contains(stderr, "no destination honeyvault reads is known by its Azure resource id") {
		t.Errorf("without a destination: exit %d %s", code, stderr)
	}
}
