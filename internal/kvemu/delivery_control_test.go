package kvemu

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
)

// timedSink notes when each record arrived.
type timedSink struct {
	mu      sync.Mutex
	arrived map[string]time.Time // by record JSON
	records []Record
}

func (s *timedSink) Write(_ context.Context, b Batch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.arrived == nil {
		s.arrived = map[string]time.Time{}
	}
	for _, r := range b.Records {
		s.arrived[string(r.JSON)] = time.Now()
		s.records = append(s.records, r)
	}
	return nil
}

// naming counts the SecretSet records of secret name among rs (each
// touch also logs the client's sign-in challenge).
func naming(rs []Record, name string) int {
	n := 0
	for _, r := range rs {
		if j := string(r.JSON); strings.Contains(j, "/secrets/"+name) && strings.Contains(j, `"operationName":"SecretSet"`) {
			n++
		}
	}
	return n
}

// touchIn sets secret name in vault as admin: one audited request.
func (env *testEnv) touchIn(t *testing.T, vault, name string) {
	t.Helper()
	if _, err := env.secrets(t, vault, admin).SetSecret(ctxT(t), name, azsecrets.SetSecretParameters{Value: ptr("v")}, nil); err != nil {
		t.Fatal(err)
	}
}

func (env *testEnv) flush(t *testing.T) {
	t.Helper()
	if err := env.e.Flush(ctxT(t)); err != nil {
		t.Fatal(err)
	}
}

// A vault's records can be held and released, dropped, or delayed, while
// the other vault's reach the same destination as usual.
func TestVaultDeliveryControl(t *testing.T) {
	env := newTestEnv(t, Options{})
	if err := env.e.SetVaultDelivery("kv-nowhere", DeliveryControl{Cut: true}); err == nil {
		t.Error("a control for an unknown vault was accepted")
	}

	if err := env.e.SetVaultDelivery(apVault, DeliveryControl{Paused: true}); err != nil {
		t.Fatal(err)
	}
	env.touchIn(t, apVault, "held")
	env.touchIn(t, rbacVault, "other")
	env.flush(t)
	if got := env.audit.Records(); naming(got, "held") != 0 || naming(got, "other") != 1 {
		t.Fatalf("while paused: held %d, other %d; want 0 and 1", naming(got, "held"), naming(got, "other"))
	}
	if err := env.e.SetVaultDelivery(apVault, DeliveryControl{}); err != nil {
		t.Fatal(err)
	}
	env.flush(t)
	if n := naming(env.audit.Records(), "held"); n != 1 {
		t.Fatalf("after resuming: %d records of the held request; want 1", n)
	}

	dropped := env.e.DeliveryStats().Dropped
	if err := env.e.SetVaultDelivery(apVault, DeliveryControl{Cut: true, Paused: true}); err != nil {
		t.Fatal(err)
	}
	env.touchIn(t, apVault, "lost")
	env.flush(t)
	if err := env.e.SetVaultDelivery(apVault, DeliveryControl{}); err != nil {
		t.Fatal(err)
	}
	env.touchIn(t, apVault, "after-cut")
	env.flush(t)
	got := env.audit.Records()
	if naming(got, "lost") != 0 || naming(got, "after-cut") != 1 || env.e.DeliveryStats().Dropped <= dropped {
		t.Fatalf("cut: lost %d, after the cut %d, dropped %d → %d", naming(got, "lost"), naming(got, "after-cut"), dropped, env.e.DeliveryStats().Dropped)
	}

	timed := &timedSink{}
	const dest = "/subscriptions/" + testSub + "/resourceGroups/rg-logs/providers/Microsoft.Storage/storageAccounts/sttimed"
	if err := env.e.RegisterDestination(dest, timed, DeliveryOptions{}); err != nil {
		t.Fatal(err)
	}
	env.routeTo(t, DiagnosticSetting{Name: "timed", StorageAccountID: dest, Logs: []LogSettings{{Category: "AuditEvent", Enabled: true}}})
	if err := env.e.SetVaultDelivery(apVault, DeliveryControl{Delay: 300 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	// Emitted after t0 and held for the delay: none can arrive before
	// t0 + delay, however slow the machine; Flush waits for it.
	t0 := time.Now()
	env.touchIn(t, apVault, "late")
	env.flush(t)
	timed.mu.Lock()
	defer timed.mu.Unlock()
	if naming(timed.records, "late") != 1 {
		t.Fatalf("delayed: %d records; want 1", naming(timed.records, "late"))
	}
	for _, r := range timed.records {
		if at := timed.arrived[string(r.JSON)]; at.Sub(t0) < 300*time.Millisecond {
			t.Errorf("a delayed record arrived %v after the request; the delay is 300ms", at.Sub(t0))
		}
	}
}

// A destination can be cut (what it had queued and what comes is
// dropped), paused and delayed at run time.
func TestDestinationDeliveryControl(t *testing.T) {
	env := newTestEnv(t, Options{})
	if err := env.e.SetDestinationDelivery("/nowhere", DeliveryControl{}); err == nil {
		t.Error("a control for an unknown destination was accepted")
	}
	if err := env.e.SetDestinationDelivery(logsStorage, DeliveryControl{Cut: true}); err != nil {
		t.Fatal(err)
	}
	env.touchIn(t, apVault, "lost")
	env.touchIn(t, rbacVault, "lost-too")
	env.flush(t)
	if got := env.audit.Records(); naming(got, "lost")+naming(got, "lost-too") != 0 {
		t.Fatalf("a cut destination received %d records", naming(got, "lost")+naming(got, "lost-too"))
	}
	if err := env.e.SetDestinationDelivery(logsStorage, DeliveryControl{Paused: true}); err != nil {
		t.Fatal(err)
	}
	env.touchIn(t, apVault, "paused")
	// Not flushed while paused: a paused destination's records are
	// pending, and Flush would wait for them.
	if n := naming(env.audit.Records(), "paused"); n != 0 {
		t.Fatalf("a paused destination received %d records", n)
	}
	if err := env.e.SetDestinationDelivery(logsStorage, DeliveryControl{Delay: 200 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	env.touchIn(t, apVault, "delayed")
	env.flush(t)
	got := env.audit.Records()
	if naming(got, "paused") != 1 || naming(got, "delayed") != 1 || naming(got, "lost") != 0 {
		t.Errorf("after resuming: paused %d, delayed %d, lost %d; want 1, 1, 0", naming(got, "paused"), naming(got, "delayed"), naming(got, "lost"))
	}
	// The old pair still works.
	if err := env.e.PauseDelivery(logsStorage); err != nil {
		t.Fatal(err)
	}
	if err := env.e.ResumeDelivery(logsStorage); err != nil {
		t.Fatal(err)
	}
}
