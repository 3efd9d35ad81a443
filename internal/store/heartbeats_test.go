package store

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestHeartbeatsAndGaps: a heartbeat is marked seen only by its own nonce
// in its own vault, listed by vault and age, pruned by age; a vault's gap
// opens once however often it is claimed, and closes once.
func TestHeartbeatsAndGaps(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
		vid := "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-a"
		vk := strings.ToLower(vid)
		beats := []Heartbeat{
			{VaultKey: vk, VaultID: vid, VaultName: "KV-A", Nonce: "aa01", SentAt: t0, DueAt: t0.Add(2 * time.Minute)},
			{VaultKey: vk, VaultID: vid, VaultName: "kv-a", Nonce: "aa02", SentAt: t0.Add(5 * time.Minute), DueAt: t0.Add(7 * time.Minute)},
		}
		for _, h := range beats {
			if err := s.InsertHeartbeat(ctx, h); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.InsertHeartbeat(ctx, Heartbeat{VaultKey: vk, VaultName: "kv-a"}); err == nil {
			t.Error("a heartbeat without a nonce was stored")
		}
		if err := s.InsertHeartbeat(ctx, beats[0]); err == nil {
			t.Error("a nonce was stored twice")
		}
		mark := func(vault, nonce string) bool {
			t.Helper()
			var known bool
			if err := s.Update(ctx, func(tx *Tx) (err error) {
				known, err = tx.MarkHeartbeatSeen(ctx, vault, nonce, t0.Add(time.Minute))
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return known
		}
		if mark("kv-b", "aa01") || mark("kv-a", "ffff") {
			t.Error("a nonce of another vault, or one never sent, counted as a heartbeat")
		}
		if !mark("KV-A", "aa01") || !mark("kv-a", "aa01") {
			t.Error("the vault's own heartbeat was not recognised (first or repeated)")
		}
		got, err := s.ListHeartbeats(ctx, t0)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Nonce != "aa01" || !got[0].SeenAt.Equal(t0.Add(time.Minute)) || !got[1].SeenAt.IsZero() || got[0].VaultName != "kv-a" || got[0].VaultID != vid {
			t.Fatalf("heartbeats: %+v", got)
		}
		if n, err := s.PruneHeartbeats(ctx, t0.Add(time.Minute)); err != nil || n != 1 {
			t.Fatalf("prune: %d, %v", n, err)
		}
		if err := s.DeleteHeartbeat(ctx, "AA02"); err != nil {
			t.Fatal(err)
		}
		if left, _ := s.ListHeartbeats(ctx, time.Time{}); len(left) != 0 {
			t.Fatalf("after deleting the last: %+v", left)
		}

		gap := HeartbeatGap{VaultKey: vk, VaultID: vid,
			VaultName: "kv-a", Nonce: "aa02", Since: t0.Add(7 * time.Minute), SLA: 2 * time.Minute}
		claims := 0
		for range 3 {
			if err := s.Update(ctx, func(tx *Tx) error {
				ok, err := tx.OpenHeartbeatGap(ctx, gap)
				if ok {
					claims++
					return tx.SetHeartbeatGapIncident(ctx, vk, 42)
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		gaps, err := s.HeartbeatGaps(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := gap
		want.IncidentID = 42
		if claims != 1 || len(gaps) != 1 || gaps[0] != want {
			t.Fatalf("%d claims; gaps %+v; want one %+v", claims, gaps, want)
		}
		closed := 0
		for range 2 {
			if err := s.Update(ctx, func(tx *Tx) error {
				g, ok, err := tx.CloseHeartbeatGap(ctx, vk)
				if ok {
					closed++
					if g != want {
						t.Errorf("closed %+v; want %+v", g, want)
					}
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		if gaps, _ := s.HeartbeatGaps(ctx); closed != 1 || len(gaps) != 0 {
			t.Errorf("closed %d times; left %+v", closed, gaps)
		}
	})
}
