package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/spf13/cobra"
)

// The demo estate of `honeyvault kvemu`.
const (
	kvemuSubscription = "00000000-0000-4000-8000-00000000c0de"
	kvemuGroup        = "rg-kvemu"
	kvemuArchive      = "/subscriptions/" + kvemuSubscription + "/resourceGroups/" + kvemuGroup + "/providers/Microsoft.Storage/storageAccounts/kvemuarchive"
	kvemuPush         = "/subscriptions/" + kvemuSubscription + "/resourceGroups/" + kvemuGroup + "/providers/Microsoft.OperationalInsights/workspaces/kvemupush"
)

// kvemuAdmin is the demo identity the verb prints a token for.
var kvemuAdmin = kvemu.Identity{ObjectID: "0c0de000-0000-4000-8000-000000000001", UPN: "admin@kvemu.example", AppID: "04b07795-8ddb-461a-bbee-02f9e1bf7b46"}

func newKvemuCmd() *cobra.Command {
	var (
		listen     string
		vaults     int
		auditDir   string
		auditURL   string
		auditToken string
		delay      time.Duration
		caDir      string
	)
	cmd := &cobra.Command{
		Use:    "kvemu [--listen ADDR] [--vaults N] [--audit-dir DIR] [--audit-url URL]",
		Short:  "Run the Azure Key Vault emulator standalone",
		Hidden: true,
		Long: `kvemu runs honeyvault's Azure Key Vault emulator (data plane, ARM, audit logs) on one TLS
listener, with N demo vaults (kv-demo-01, ...) holding a few secrets and a key. Audit and
Activity-log records go to --audit-dir (JSON lines in the storage-archive layout) and/or
--audit-url (POST {"records":[...]}, with --audit-token as bearer token). It prints the CA
to trust, a bearer token for a demo administrator and a curl line, then serves until
interrupted.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if vaults < 1 || vaults > 1000 {
				return fmt.Errorf("kvemu: --vaults %d: want 1 to 1000", vaults)
			}
			if _, _, err := net.SplitHostPort(listen); err != nil {
				return fmt.Errorf("kvemu: --listen %q: %w", listen, err)
			}
			if auditURL != "" && !strings.HasPrefix(auditURL, "http://") && !strings.HasPrefix(auditURL, "https://") {
				return fmt.Errorf("kvemu: --audit-url %q is not an http(s) URL", auditURL)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runKvemu(ctx, cmd.OutOrStdout(), kvemuConfig{
				listen: listen, vaults: vaults, auditDir: auditDir, auditURL: auditURL,
				auditToken: auditToken, delay: delay, caDir: caDir,
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&listen, "listen", "127.0.0.1:8443", "TCP address of the TLS listener")
	f.IntVar(&vaults, "vaults", 3, "number of demo vaults")
	f.StringVar(&auditDir, "audit-dir", "", "write audit and Activity-log records here, as a storage archive")
	f.StringVar(&auditURL, "audit-url", "", "POST audit and Activity-log records to this URL")
	f.StringVar(&auditToken, "audit-token", "", "bearer token for --audit-url")
	f.DurationVar(&delay, "delay", 0, "hold every record back this long before delivery (late logs)")
	f.StringVar(&caDir, "ca-dir", "", "write the CA certificate here (default: a new temp dir)")
	return cmd
}

type kvemuConfig struct {
	listen, auditDir, auditURL, auditToken, caDir string
	vaults                                        int
	delay                                         time.Duration
}

func runKvemu(ctx context.Context, out io.Writer, cfg kvemuConfig) error {
	e, err := kvemu.New(kvemu.Options{Addr: cfg.listen})
	if err != nil {
		return err
	}
	var dests []kvemu.DiagnosticSetting
	if cfg.auditDir != "" {
		if err := e.RegisterDestination(kvemuArchive, kvemu.NewFileSink(cfg.auditDir), kvemu.DeliveryOptions{Delay: cfg.delay}); err != nil {
			return err
		}
		dests = append(dests, kvemu.DiagnosticSetting{Name: "to-archive", StorageAccountID: kvemuArchive})
	}
	if cfg.auditURL != "" {
		sink := &kvemu.HTTPSink{URL: cfg.auditURL, BearerToken: cfg.auditToken}
		if err := e.RegisterDestination(kvemuPush, sink, kvemu.DeliveryOptions{Delay: cfg.delay}); err != nil {
			return err
		}
		dests = append(dests, kvemu.DiagnosticSetting{Name: "to-push", WorkspaceID: kvemuPush})
	}
	if err := buildKvemuEstate(e, cfg.vaults, dests); err != nil {
		return err
	}
	if err := e.Start(); err != nil {
		return err
	}
	defer e.Close()
	caDir := cfg.caDir
	if caDir == "" {
		if caDir, err = os.MkdirTemp("", "kvemu-"); err != nil {
			return err
		}
	}
	caPath, err := e.WriteCACert(caDir)
	if err != nil {
		return err
	}
	tok, err := e.Token(kvemuAdmin, "https://vault.azure.net")
	if err != nil {
		return err
	}
	_, port, _ := net.SplitHostPort(e.Addr())
	first := fmt.Sprintf("kv-demo-%02d.vault.azure.net", 1)
	fmt.Fprintf(out, "kvemu: listening on %s\n", e.Addr())
	fmt.Fprintf(out, "kvemu: CA certificate: %s\n", caPath)
	for _, v := range e.Vaults() {
		fmt.Fprintf(out, "kvemu: vault %s %s\n", v.Name, v.URI)
	}
	fmt.Fprintf(out, "kvemu: ARM: https://management.azure.com (subscription %s)\n", kvemuSubscription)
	fmt.Fprintf(out, "kvemu: bearer token for %s (vault audience, 1 h): %s\n", kvemuAdmin.UPN, tok)
	fmt.Fprintf(out, "kvemu: point a client at it by resolving the vault and ARM host names to %s and trusting the CA, e.g.\n", e.Addr())
	fmt.Fprintf(out, "  curl --cacert %s --resolve %s:%s:127.0.0.1 -H 'Authorization: Bearer %s' 'https://%s:%s/secrets?api-version=7.4'\n",
		caPath, first, port, tok, first, port)
	fmt.Fprintf(out, "kvemu: Go programs in this module use kvemu.Emulator.HTTPClient instead. Ready.\n")
	<-ctx.Done()
	fmt.Fprintln(out, "kvemu: stopping")
	return nil
}

// buildKvemuEstate creates the demo vaults with a few objects each and
// routes their logs (and the Activity log) to dests.
func buildKvemuEstate(e *kvemu.Emulator, n int, dests []kvemu.DiagnosticSetting) error {
	all := kvemu.Permissions{Keys: []string{"all"}, Secrets: []string{"all"}, Certificates: []string{"all"}}
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("kv-demo-%02d", i)
		if _, err := e.CreateVault(kvemu.VaultSpec{
			SubscriptionID: kvemuSubscription, ResourceGroup: kvemuGroup, Name: name, Location: "westeurope",
			Tags:           map[string]string{"env": "demo"},
			AccessPolicies: []kvemu.AccessPolicy{{TenantID: kvemu.DefaultTenantID, ObjectID: kvemuAdmin.ObjectID, Permissions: all}},
		}); err != nil {
			return err
		}
		for _, s := range []kvemu.SecretSeed{
			{Name: "SqlConnectionString", Value: "Server=tcp:sql-demo.database.windows.net;Database=app;", ContentType: "text/plain"},
			{Name: "StorageAccountKey", Value: "ZGVtby1rZXktbm90LXJlYWw="},
			{Name: "ApiClientSecret", Value: "demo-client-secret"},
		} {
			if _, err := e.SeedSecret(name, s); err != nil {
				return err
			}
		}
		if _, err := e.SeedKey(name, kvemu.KeySeed{Name: "DataEncryptionKey", Type: "EC"}); err != nil {
			return err
		}
		for _, d := range dests {
			d.Logs = []kvemu.LogSettings{{CategoryGroup: "audit", Enabled: true}}
			if err := e.SetDiagnosticSetting(name, d); err != nil {
				return err
			}
		}
	}
	for _, d := range dests {
		d.Logs = []kvemu.LogSettings{{Category: "Administrative", Enabled: true}}
		if err := e.SetSubscriptionDiagnosticSetting(kvemuSubscription, d); err != nil {
			return err
		}
	}
	return nil
}
