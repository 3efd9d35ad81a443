package health

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/incident"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// A beat run under the scheduler lease that passes on between recording a
// heartbeat and sending it sends nothing (the sender checks the lease, as
// serve's does) and leaves no record behind: one would never come back,
// and the new leader would judge the vault's pipeline broken.
func TestBeatLeavesNoRecordWhenItsLeasePassesOnBeforeTheSend(t *testing.T) {
	eachStore(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if err := st.AddDecoy(ctx, &registry.Decoy{VaultID: vaultID, Name: "db-password", Type: registry.Secret}); err != nil {
			t.Fatal(err)
		}
		lease, _, err := st.AcquireLease(ctx, "scheduler", "replica-a", time.Hour, nil)
		if err != nil {
			t.Fatal(err)
		}
		term := store.WithFence(ctx, store.Fence{Lease: "scheduler", Holder: "replica-a", Token: lease.Token})
		sends := 0
		m := &Monitor{Store: st, Gaps: incident.NewGapRecorder(nil), SLA: 2 * time.Minute, Every: 5 * time.Minute,
			Send: SenderFunc(func(ctx context.Context, v Vault, name string) error {
				// replica-a paused here; replica-b took the lease.
				if err := st.ReleaseLease(context.Background(), "scheduler", "replica-a", lease.Token); err != nil {
					return err
				}
				if _, _, err := st.AcquireLease(context.Background(), "scheduler", "replica-b", time.Hour, nil); err != nil {
					return err
				}
				if err := st.CheckFence(ctx); err != nil {
					return fmt.Errorf("%w: %w", ErrNotSent, err)
				}
				sends++
				return nil
			})}
		r, err := m.Beat(term)
		if err != nil || r.Sent != 1 || r.Failed != 1 || sends != 0 {
			t.Fatalf("beat: %+v, %v, %d sent; want one recorded, refused before sending", r, err, sends)
		}
		beats, err := st.ListHeartbeats(ctx, time.Time{})
		if err != nil || len(beats) != 0 {
			t.Errorf("heartbeats left: %+v, %v; want none", beats, err)
		}
		if err := st.RecordAudit(term, store.AuditEntry{Actor: "system", Action: "stale"}); !errors.Is(err, store.ErrLeaseLost) {
			t.Errorf("other writes of the stale term: %v; want ErrLeaseLost", err)
		}
	})
}
