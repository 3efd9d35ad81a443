package health

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/incident"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
	"github.com/honeyvault/honeyvault/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

const vaultID = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-a"

// eachStore runs fn on a fresh SQLite file and a fresh PostgreSQL database.
func eachStore(t *testing.T, fn func(t *testing.T, st *store.Store)) {
	for name, dsn := range map[string]func() string{
		"sqlite":   func() string { return "sqlite:" + filepath.Join(t.TempDir(), "hv.db") },
		"postgres": func() string { return testenv.Postgres(t) },
	} {
		t.Run(name, func(t *testing.T) {
			st, err := store.Open(context.Background(), dsn())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			fn(t, st)
		})
	}
}

// sent stores a heartbeat to kv-a sent at at, due two minutes later.
func sent(t *testing.T, st *store.Store, nonce string, at time.Time) {
	t.Helper()
	h := store.Heartbeat{VaultKey: registry.VaultKey(vaultID), VaultID: vaultID, VaultName: "kv-a", Nonce: nonce, SentAt: at, DueAt: at.Add(2 * time.Minute)}
	if err := st.InsertHeartbeat(context.Background(), h); err != nil {
		t.Fatal(err)
	}
}

// Recognize takes out exactly the records of heartbeats honeyvault sent,
// to the vault that logged them, and marks them back.
func TestRecognize(t *testing.T) {
	eachStore(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		t0 := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
		sent(t, st, "0123456789abcdef0123456789abcdef", t0)
		ev := func(kind auditlog.Kind, vault, name string) store.Fresh {
			return store.Fresh{Event: &auditlog.Event{Kind: kind, VaultName: vault, ObjectName: name, ObjectType: registry.Secret, Operation: "SecretGet"}}
		}
		ours := registry.HeartbeatPrefix + "0123456789ABCDEF0123456789ABCDEF"
		fresh := []store.Fresh{
			ev(auditlog.KindAudit, "kv-a", "orders-db-password"),
			ev(auditlog.KindAudit, "kv-a", ours),
			ev(auditlog.KindAudit, "kv-b", ours),                                              // another vault's record of our nonce
			ev(auditlog.KindAudit, "kv-a", registry.HeartbeatPrefix+"ffff"),                   // a nonce never sent
			ev(auditlog.KindActivity, "kv-a", ours),                                           // not a data-plane record
			ev(auditlog.KindAudit, "kv-a", strings.TrimSuffix(registry.HeartbeatPrefix, "-")), // not the prefix
		}
		var kept []store.Fresh
		if err := st.Update(ctx, func(tx *store.Tx) (err error) {
			kept, err = Recognize(ctx, tx, fresh)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if len(kept) != len(fresh)-1 || kept[0] != fresh[0] || kept[1] != fresh[2] {
			t.Errorf("kept %d of %d records; want all but our heartbeat's", len(kept), len(fresh))
		}
		beats, _ := st.ListHeartbeats(ctx, time.Time{})
		if len(beats) != 1 || beats[0].SeenAt.IsZero() {
			t.Errorf("heartbeat not marked back: %+v", beats)
		}
	})
}

// recordingNotifier counts the incident changes queued for notification.
type recordingNotifier struct {
	mu      sync.Mutex
	changes []incident.Change
}

func (n *recordingNotifier) Enqueue(_ context.Context, _ *store.Tx, c incident.Change) error {
	n.mu.Lock()
	n.changes = append(n.changes, c)
	n.mu.Unlock()
	return nil
}

// Two replicas checking the same missed heartbeats at once open one gap:
// one incident, one notification; and end it once.
func TestCheckOpensAndEndsOneGapAcrossReplicas(t *testing.T) {
	eachStore(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		clock := testenv.NewClock(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC))
		n := &recordingNotifier{}
		replicas := []*Monitor{
			{Store: st, Gaps: incident.NewGapRecorder(n), SLA: 2 * time.Minute, Every: 5 * time.Minute, Now: clock.Now},
			{Store: st, Gaps: incident.NewGapRecorder(n), SLA: 2 * time.Minute, Every: 5 * time.Minute, Now: clock.Now},
		}
		checkAll := func() (r Report) {
			t.Helper()
			var mu sync.Mutex
			var wg sync.WaitGroup
			for _, m := range replicas {
				wg.Add(1)
				go func() {
					defer wg.Done()
					got, err := m.Check(ctx)
					if err != nil {
						t.Error(err)
					}
					mu.Lock()
					r.Opened, r.Restored = r.Opened+got.Opened, r.Restored+got.Restored
					mu.Unlock()
				}()
			}
			wg.Wait()
			return r
		}
		sent(t, st, "aa", clock.Now())
		clock.Advance(5 * time.Minute)
		sent(t, st, "bb", clock.Now())
		clock.Advance(5 * time.Minute)
		if r := checkAll(); r.Opened != 1 {
			t.Fatalf("two missed heartbeats, two replicas: %+v; want one gap", r)
		}
		if r := checkAll(); r.Opened != 0 {
			t.Fatalf("checked again: %+v", r)
		}
		gaps, _ := st.HeartbeatGaps(ctx)
		if len(gaps) != 1 || gaps[0].Nonce != "aa" || gaps[0].IncidentID == 0 {
			t.Fatalf("gaps: %+v; want one from the first missed heartbeat", gaps)
		}
		in, err := st.GetIncident(ctx, gaps[0].IncidentID)
		if err != nil || !strings.HasPrefix(in.Title, "Monitoring gap: audit records of kv-a") || in.VaultID != vaultID {
			t.Fatalf("incident: %+v, %v", in, err)
		}

		sent(t, st, "cc", clock.Now())
		if err := st.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.MarkHeartbeatSeen(ctx, "kv-a", "cc", clock.Now())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if r := checkAll(); r.Restored != 1 {
			t.Fatalf("a heartbeat back: %+v; want one recovery", r)
		}
		if r := checkAll(); r.Restored != 0 || r.Opened != 0 {
			t.Fatalf("checked again: %+v", r)
		}
		if gaps, _ := st.HeartbeatGaps(ctx); len(gaps) != 0 {
			t.Errorf("gap still open: %+v", gaps)
		}
		n.mu.Lock()
		defer n.mu.Unlock()
		if len(n.changes) != 2 || !n.changes[0].Created || n.changes[1].Created || n.changes[1].Incident.ID != in.ID {
			t.Errorf("notified changes: %+v; want the gap's new incident, then its recovery", n.changes)
		}
	})
}

// Heartbeats sent before Since (a restart) are not judged: their records
// may still be on their way.
func TestCheckLeavesHeartbeatsBeforeSince(t *testing.T) {
	eachStore(t, func(t *testing.T, st *store.Store) {
		clock := testenv.NewClock(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC))
		sent(t, st, "old", clock.Now())
		clock.Advance(10 * time.Minute)
		m := &Monitor{Store: st, Gaps: incident.NewGapRecorder(nil), SLA: 2 * time.Minute, Every: 5 * time.Minute, Now: clock.Now, Since: clock.Now()}
		if r, err := m.Check(context.Background()); err != nil || r.Opened != 0 {
			t.Fatalf("a heartbeat from before the start: %+v, %v; want nothing judged", r, err)
		}
		m.Since = time.Time{}
		if r, err := m.Check(context.Background()); err != nil || r.Opened != 1 {
			t.Fatalf("without Since: %+v, %v; want the gap", r, err)
		}
	})
}
