package health

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/incident"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
	"github.com/honeyvault/honeyvault/internal/testenv"
)

// Beat and Check read vaults a page at a time: across pages every vault
// holding an active decoy gets exactly one heartbeat, a vault with none
// (or a store of another provider) gets none, and every missed heartbeat
// opens its vault's gap once.
func TestBeatAndCheckPageThroughVaults(t *testing.T) {
	eachStore(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		var want []string
		for i := range 5 {
			name := fmt.Sprintf("kv-%d", i)
			id := "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/" + name
			for _, typ := range []registry.Type{registry.Secret, registry.Key} {
				if err := st.AddDecoy(ctx, &registry.Decoy{VaultID: id, Name: "db-password", Type: typ}); err != nil {
					t.Fatal(err)
				}
			}
			want = append(want, name)
		}
		missing := &registry.Decoy{VaultID: "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-gone", Name: "db-password", Type: registry.Secret}
		if err := st.AddDecoy(ctx, missing); err != nil {
			t.Fatal(err)
		}
		if err := st.SetDecoyStatus(ctx, missing.ID, registry.Missing, nil, store.AuditEntry{Actor: "test", Action: "decoy.status"}); err != nil {
			t.Fatal(err)
		}
		// Heartbeats are Key Vault GETs: stores of the other providers
		// get none (and open no gap).
		for _, id := range []string{"vault://prod/secret", "arn:aws:secretsmanager:eu-west-1:111122223333", "vault://prod/kv"} {
			if err := st.AddDecoy(ctx, &registry.Decoy{VaultID: id, Name: "apps/db-password", Type: registry.Secret}); err != nil {
				t.Fatal(err)
			}
		}
		clock := testenv.NewClock(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC))
		var mu sync.Mutex
		var got []string
		n := &recordingNotifier{}
		m := &Monitor{Store: st, Gaps: incident.NewGapRecorder(n), SLA: 2 * time.Minute, Every: 5 * time.Minute, Now: clock.Now, PageVaults: 2,
			Send: SenderFunc(func(_ context.Context, v Vault, _ string) error {
				mu.Lock()
				got = append(got, v.Name)
				mu.Unlock()
				return nil
			})}
		r, err := m.Beat(ctx)
		if err != nil || r.Sent != 5 || r.Failed != 0 {
			t.Fatalf("beat: %+v, %v; want 5 sent", r, err)
		}
		sort.Strings(got)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("heartbeats went to %v; want %v", got, want)
		}
		clock.Advance(3 * time.Minute)
		if r, err := m.Check(ctx); err != nil || r.Opened != 5 {
			t.Fatalf("check: %+v, %v; want 5 gaps opened", r, err)
		}
		if r, err := m.Check(ctx); err != nil || r.Opened != 0 {
			t.Errorf("check again: %+v, %v; want no gap opened twice", r, err)
		}
		if gaps, err := st.HeartbeatGaps(ctx); err != nil || len(gaps) != 5 {
			t.Errorf("gaps: %d, %v; want 5", len(gaps), err)
		}
	})
}
