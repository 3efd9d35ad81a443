package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/deploy"
	"github.com/honeyvault/honeyvault/internal/health"
	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// A heartbeat round with Key Vault unreachable logs one warning, however
// many vaults failed: the count and what went wrong, no vault or decoy
// name; the first few vault names only at debug, decoy names never.
func TestHeartbeatRoundUnreachableLogsOnce(t *testing.T) {
	e, err := kvemu.New(kvemu.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	const vaults = 120
	if err := e.AddSubscription(kvemu.Subscription{ID: invSubProd, DisplayName: "Contoso Production"}); err != nil {
		t.Fatal(err)
	}
	for i := range vaults {
		if _, err := e.CreateVault(kvemu.VaultSpec{SubscriptionID: invSubProd, ResourceGroup: "rg-many", Name: fmt.Sprintf("kv-many-%03d", i), Location: "westeurope"}); err != nil {
			t.Fatal(err)
		}
	}
	co := e.ClientOptions()
	co.Cloud = e.Cloud()
	cred := e.Credential(invPlanter)
	e.Close() // the vaults' hosts resolve to the emulator, which no longer answers

	cfg := config.Default()
	cfg.DB = "sqlite:" + filepath.Join(t.TempDir(), "hv.db")
	cfg.AdminToken = adminToken
	cfg.Inventory.Interval, cfg.Reconcile.Interval, cfg.Heartbeat.Interval, cfg.Diagnostics.Interval = "off", "off", "off", "off"
	st, err := store.Open(context.Background(), cfg.DB)
	if err != nil {
		t.Fatal(err)
	}
	var decoys []registry.Decoy
	for i := range vaults {
		id := fmt.Sprintf("/subscriptions/%s/resourceGroups/rg-many/providers/Microsoft.KeyVault/vaults/kv-many-%03d", invSubProd, i)
		decoys = append(decoys, registry.Decoy{VaultID: id, Name: fmt.Sprintf("payroll-db-secret-%03d", i), Type: registry.Secret, Status: registry.Active})
	}
	if _, err := st.ImportDecoys(context.Background(), decoys); err != nil {
		t.Fatal(err)
	}
	st.Close()

	var logs lockedBuffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := serveInBackground(t, cfg, log, WithAzure(deploy.Overrides{Credential: cred, ClientOptions: &co}))
	logs.mu.Lock()
	logs.buf.Reset() // the start's lines are not the round's
	logs.mu.Unlock()

	srv.heartbeats.run(context.Background())

	var warns, debugs []map[string]any
	logs.mu.Lock()
	out := logs.buf.String()
	logs.mu.Unlock()
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		for _, d := range decoys {
			if strings.Contains(line, d.Name) {
				t.Errorf("a decoy name logged: %s", line)
			}
		}
		msg, _ := rec["msg"].(string)
		if !strings.HasPrefix(msg, "health:") {
			continue
		}
		switch rec["level"] {
		case "WARN", "ERROR", "INFO":
			if strings.Contains(line, "kv-many-") {
				t.Errorf("a vault name logged above debug: %s", line)
			}
			warns = append(warns, rec)
		case "DEBUG":
			debugs = append(debugs, rec)
		}
	}
	if len(warns) != 1 {
		t.Fatalf("%d health lines above debug for one round of %d failed vaults; want 1:\n%s", len(warns), vaults, out)
	}
	w := warns[0]
	if w["failed"] != float64(vaults) || w["sent"] != float64(vaults) {
		t.Errorf("warning counts: failed %v, sent %v; want %d each", w["failed"], w["sent"], vaults)
	}
	// The cause is the network's, an address and no host name.
	if cause, _ := w["first_err"].(string); !strings.HasPrefix(cause, "dial tcp 127.0.0.1:") || !strings.HasSuffix(cause, "connection refused") {
		t.Errorf("first_err %q; want the refused connection to the emulator's address", cause)
	}
	var named []any
	for _, d := range debugs {
		if v, ok := d["first_vaults"].([]any); ok {
			named = v
		}
	}
	if len(named) == 0 || len(named) > 5 {
		t.Errorf("debug names %v; want the first few failed vaults", named)
	}
	for _, n := range named {
		if s, _ := n.(string); !strings.HasPrefix(s, "kv-many-") {
			t.Errorf("debug names %v; want vault names", named)
		}
	}
	// Per-vault state as before: never sent, so nothing kept to wait for.
	if beats, _ := srv.Store.ListHeartbeats(context.Background(), time.Time{}); len(beats) != 0 {
		t.Errorf("%d heartbeats kept; want none", len(beats))
	}
}

// sendCause keeps what went wrong and drops the names wrappers add.
func TestSendCause(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 443}, Err: errors.New("connect: connection refused")}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"refused", fmt.Errorf("%w: %w", health.ErrNotSent, fmt.Errorf("azure: vault kv-a: heartbeat: %w",
			&url.Error{Op: "Get", URL: "https://kv-a.vault.azure.net/secrets/x", Err: refused})), "dial tcp 127.0.0.1:443: connect: connection refused"},
		{"dns", fmt.Errorf("azure: vault kv-a: heartbeat: %w", &net.DNSError{Err: "no such host", Name: "kv-a.vault.azure.net"}), "DNS lookup: no such host"},
		{"answered", fmt.Errorf("azure: vault kv-a: heartbeat: %w", &azcore.ResponseError{StatusCode: 403, ErrorCode: "Forbidden"}), "Key Vault answered 403 Forbidden"},
		{"plain", errors.New("no credential"), "no credential"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sendCause(tt.err); got != tt.want {
				t.Errorf("got %q; want %q", got, tt.want)
			}
		})
	}
}
