package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
)

// TestVaultLastRecordsMatchEvents: each vault's newest record, kept by
// Accept and PruneEvents (vault_last_records), is what the events
// themselves say (the MAX the coverage pages used to search for) after
// records arrive out of order, across batches and commits, repeated, in a
// commit whose hook fails, after a prune deletes a vault's newest record,
// and after migration 0011's back-fill.
func TestVaultLastRecordsMatchEvents(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		var vaults []Vault
		for _, n := range []string{"KV-A", "kv-b", "kv-c", "kv-quiet"} {
			vaults = append(vaults, Vault{ID: testVaultID("s1", n), Name: n})
		}
		if _, err := s.RecordDiscovery(ctx, Discovery{Subscriptions: []Subscription{{ID: "s1"}}, Vaults: vaults}); err != nil {
			t.Fatal(err)
		}
		ev := func(vault string, ms int) auditlog.Event {
			e := testEvent(ms, "u1")
			e.VaultName, e.VaultID = vault, testVaultID("s1", vault)
			e.CorrelationID = fmt.Sprint(vault, "-", ms)
			return e
		}
		received := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
		s.now = func() time.Time { return received }
		accept := func(batches ...[]auditlog.Event) {
			t.Helper()
			var bs []Batch
			for _, b := range batches {
				bs = append(bs, Batch{Source: "test", Events: b})
			}
			if _, err := s.Accept(ctx, bs, nil); err != nil {
				t.Fatal(err)
			}
		}
		// Out of order within a batch, two batches of one commit naming
		// the same vault, the vault's name in either case.
		accept([]auditlog.Event{ev("kv-a", 50), ev("kv-a", 10), ev("KV-A", 90), ev("kv-b", 30)},
			[]auditlog.Event{ev("kv-b", 20), ev("kv-a", 70)})
		compareLastRecords(t, s, "kv-a 90, kv-b 30")
		// Older records later must not lower it; a repeat changes nothing.
		received = received.Add(time.Hour)
		accept([]auditlog.Event{ev("kv-a", 40), ev("kv-b", 80), ev("kv-a", 90), ev("kv-c", 5)})
		compareLastRecords(t, s, "kv-a 90, kv-b 80, kv-c 5")
		// A commit whose hook fails stores nothing, its newest records
		// neither.
		_, err := s.Accept(ctx, []Batch{{Source: "test", Events: []auditlog.Event{ev("kv-c", 999)}}},
			func(context.Context, *Tx, []Fresh) error { return errors.New("refused") })
		if err == nil {
			t.Fatal("Accept with a failing hook: no error")
		}
		compareLastRecords(t, s, "kv-a 90, kv-b 80, kv-c 5")

		// Pruning what was received first deletes kv-a's newest record
		// (90) but keeps the older one received later (40); kv-b's and
		// kv-c's newest came later and stay.
		if _, err := s.PruneEvents(ctx, received, 1000); err != nil {
			t.Fatal(err)
		}
		compareLastRecords(t, s, "kv-a 40, kv-b 80, kv-c 5")
		if _, err := s.PruneEvents(ctx, received.Add(time.Minute), 1000); err != nil {
			t.Fatal(err)
		}
		compareLastRecords(t, s, "")
		received = received.Add(time.Hour)
		accept([]auditlog.Event{ev("kv-b", 60), ev("kv-a", 15), ev("kv-b", 65)})
		compareLastRecords(t, s, "kv-a 15, kv-b 65")

		// A database upgraded by migration 0011 gets the same from the
		// events it holds.
		if _, err := s.w.ExecContext(ctx, "DELETE FROM vault_last_records"); err != nil {
			t.Fatal(err)
		}
		body, err := migrationFiles.ReadFile("migrations/0011_vault_last_records.sql")
		if err != nil {
			t.Fatal(err)
		}
		backfill := string(body)[strings.Index(string(body), "INSERT INTO"):]
		if _, err := s.w.ExecContext(ctx, backfill); err != nil {
			t.Fatalf("%s: %v", backfill, err)
		}
		compareLastRecords(t, s, "kv-a 15, kv-b 65")
	})
}

// compareLastRecords checks that ListVaults' and GetVault's newest records
// equal the events' MAX(time) per vault, and that they are want ("name
// ms, ..." in the milliseconds of testEvent; vaults without a record
// left out).
func compareLastRecords(t *testing.T, s *Store, want string) {
	t.Helper()
	ctx := context.Background()
	vs, err := s.ListVaults(ctx, VaultFilter{})
	if err != nil {
		t.Fatal(err)
	}
	base := testEvent(0, "").Time
	var got []string
	for _, v := range vs {
		var max int64
		if err := s.r.QueryRowContext(ctx, "SELECT COALESCE(MAX(time), 0) FROM events WHERE vault_name = $1",
			strings.ToLower(v.Name)).Scan(&max); err != nil {
			t.Fatal(err)
		}
		if !v.LastRecord.Equal(fromMicros(max)) {
			t.Errorf("%s: newest record %v; the events say %v", v.Name, v.LastRecord, fromMicros(max))
		}
		one, err := s.GetVault(ctx, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !one.LastRecord.Equal(v.LastRecord) {
			t.Errorf("%s: GetVault's newest record %v; ListVaults' %v", v.Name, one.LastRecord, v.LastRecord)
		}
		if !v.LastRecord.IsZero() {
			got = append(got, fmt.Sprint(strings.ToLower(v.Name), " ", v.LastRecord.Sub(base).Milliseconds()))
		}
	}
	if g := strings.Join(got, ", "); g != want {
		t.Errorf("newest records: got %q; want %q", g, want)
	}
}
