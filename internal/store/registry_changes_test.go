package store

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// changesAfter reads the decoys changed after seq and returns their names,
// sorted, and the change number the read saw.
func changesAfter(t *testing.T, s *Store, seq int64) ([]string, int64) {
	t.Helper()
	return changesSince(t, s, seq, time.Now())
}

// changesSince is changesAfter also reading the decoys written without a
// change number after unnumberedAfter.
func changesSince(t *testing.T, s *Store, seq int64, unnumberedAfter time.Time) ([]string, int64) {
	t.Helper()
	var names []string
	after, err := s.EachDecoyChangedAfter(context.Background(), seq, unnumberedAfter, func(d registry.Decoy) error {
		names = append(names, d.Name)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	return names, after
}

// Each change to the registry is read once, by the first read after it
// commits, whatever wrote it: an import into an empty table (indexes
// dropped and rebuilt; on PostgreSQL COPY into decoys), an add, a status
// change, a planting, and an import into a filled table that adds only
// the decoys not there yet (the ones already there are not read again).
func TestDecoyChangesAreReadOnce(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		who := AuditEntry{Actor: "cli:alice"}
		seq, err := s.EachDecoy(ctx, func(registry.Decoy) error { return nil })
		if err != nil || seq != 0 {
			t.Fatalf("empty registry: change number %d, %v; want 0", seq, err)
		}
		const n = 2*importBatch + 500
		if _, added, err := s.ImportWatchlist(ctx, watchlistRows(n, 0), "watchlist:a.csv", who); err != nil || added != n {
			t.Fatalf("import: %d added, %v; want %d", added, err, n)
		}
		names, seq := changesAfter(t, s, seq)
		if len(names) != n {
			t.Fatalf("after the import: read %d; want %d", len(names), n)
		}
		if names, again := changesAfter(t, s, seq); len(names) != 0 || again != seq {
			t.Fatalf("read again: %d decoys, change number %d; want none, %d", len(names), again, seq)
		}

		d := registry.Decoy{VaultID: vaultA, Name: "added", Type: registry.Secret}
		if err := s.AddDecoy(ctx, &d); err != nil {
			t.Fatal(err)
		}
		if names, seq = changesAfter(t, s, seq); !slices.Equal(names, []string{"added"}) {
			t.Fatalf("after an add: read %v; want [added]", names)
		}
		if err := s.SetDecoyStatus(ctx, d.ID, registry.Retired, nil, who); err != nil {
			t.Fatal(err)
		}
		var status registry.Status
		if _, err := s.EachDecoyChangedAfter(ctx, seq, time.Now(), func(got registry.Decoy) error { status = got.Status; return nil }); err != nil || status != registry.Retired {
			t.Fatalf("after a retire: read status %q, %v; want retired", status, err)
		}
		_, seq = changesAfter(t, s, seq)
		planted := &registry.Decoy{VaultID: vaultB, Name: "planted", Type: registry.Secret}
		if err := s.BeginPlanting(ctx, []NewPlanting{{Decoy: planted, PlantedBy: "oid-planter"}}); err != nil {
			t.Fatal(err)
		}
		if names, seq = changesAfter(t, s, seq); !slices.Equal(names, []string{"planted"}) {
			t.Fatalf("after a planting: read %v; want [planted]", names)
		}

		// The same file and 700 more rows: only those 700 are new.
		if _, added, err := s.ImportWatchlist(ctx, watchlistRows(n+700, 0), "watchlist:b.csv", who); err != nil || added != 700 {
			t.Fatalf("second import: %d added, %v; want 700", added, err)
		}
		if names, seq = changesAfter(t, s, seq); len(names) != 700 || names[0] != "db-password-002500" {
			t.Fatalf("after the second import: read %d from %v; want the 700 new", len(names), names[:min(len(names), 1)])
		}
		if names, _ := changesAfter(t, s, seq); len(names) != 0 {
			t.Fatalf("read again: %d decoys; want none", len(names))
		}
	})
}

// A transaction that took its change number before a read and commits
// after it is not missed: the read does not see it, nor its number, and
// the next read does. On PostgreSQL the read does not wait for it either.
func TestDecoyCommittedAfterAReadIsReadNext(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		seq, err := s.EachDecoy(ctx, func(registry.Decoy) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		tx, err := s.w.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		held, err := takeChangeSeq(ctx, tx)
		if err != nil {
			t.Fatal(err)
		}
		d := registry.Decoy{VaultID: vaultA, Name: "late", Type: registry.Secret, Status: registry.Active, CreatedAt: s.now()}
		if _, err := insertDecoy(ctx, tx, d, s.now(), held, false); err != nil {
			t.Fatal(err)
		}
		names, after := changesAfter(t, s, seq)
		if len(names) != 0 || after != seq {
			t.Fatalf("while the transaction is open: read %v, change number %d; want none, %d", names, after, seq)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		names, after = changesAfter(t, s, after)
		if !slices.Equal(names, []string{"late"}) || after != held {
			t.Fatalf("after its commit: read %v, change number %d; want [late], %d", names, after, held)
		}
	})
}

// A database from before migration 0023 (decoys without change_seq)
// migrates with its decoys numbered 0: the whole read returns them all
// and change number 0, from which a later read returns only what changed.
func TestDecoysMigratedToChangeSeq(t *testing.T) {
	eachDSN(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s, err := Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		// Back to the schema before 0023, then decoys as an older
		// release wrote them.
		for _, q := range []string{"DROP INDEX decoys_change_seq", "ALTER TABLE decoys DROP COLUMN change_seq",
			"DROP TABLE registry_changes", "DELETE FROM schema_migrations WHERE version = 23"} {
			if _, err := s.w.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		for _, name := range []string{"old-a", "old-b"} {
			if _, err := s.w.ExecContext(ctx, `INSERT INTO decoys (vault_id, vault_key, vault_name, subscription_key, name, name_key, type, created_by, created_at, status, updated_at)
				VALUES ($1, $2, 'kv-a', '', $3, $4, 'secret', 'test', 1, 'active', 1)`,
				vaultA, registry.VaultKey(vaultA), name, registry.NameKey(vaultA, name)); err != nil {
				t.Fatal(err)
			}
		}
		s.Close()

		s, err = Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		var all []string
		seq, err := s.EachDecoy(ctx, func(d registry.Decoy) error { all = append(all, d.Name); return nil })
		if err != nil || !slices.Equal(all, []string{"old-a", "old-b"}) || seq != 0 {
			t.Fatalf("whole read after the migration: %v, change number %d, %v; want [old-a old-b], 0", all, seq, err)
		}
		if err := s.AddDecoy(ctx, &registry.Decoy{VaultID: vaultA, Name: "new", Type: registry.Secret}); err != nil {
			t.Fatal(err)
		}
		if names, after := changesAfter(t, s, seq); !slices.Equal(names, []string{"new"}) || after != 1 {
			t.Fatalf("changes after the migration: %v, change number %d; want [new], 1", names, after)
		}
	})
}

// During a rolling upgrade an older honeyvault beside this one writes
// decoys without a change number (0): a sync reads those by time, those
// updated after the bound it gives, and never the numbered ones again.
func TestDecoysAnOlderReleaseWroteAreReadByTime(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if err := s.AddDecoy(ctx, &registry.Decoy{VaultID: vaultA, Name: "numbered", Type: registry.Secret}); err != nil {
			t.Fatal(err)
		}
		seq, err := s.EachDecoy(ctx, func(registry.Decoy) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		// The older release's INSERT names no change_seq.
		if _, err := s.w.ExecContext(ctx, `INSERT INTO decoys (vault_id, vault_key, vault_name, subscription_key, name, name_key, type, created_by, created_at, status, updated_at)
			VALUES ($1, $2, 'kv-a', '', 'older-release', $3, 'secret', 'test', $4, 'active', $4)`,
			vaultA, registry.VaultKey(vaultA), registry.NameKey(vaultA, "older-release"), micros(now)); err != nil {
			t.Fatal(err)
		}
		if got, _ := changesSince(t, s, seq, now.Add(-time.Minute)); !slices.Equal(got, []string{"older-release"}) {
			t.Errorf("changes after %d with unnumbered ones from a minute back: %v; want [older-release]", seq, got)
		}
		if got, _ := changesSince(t, s, seq, now.Add(time.Minute)); len(got) != 0 {
			t.Errorf("changes after %d with unnumbered ones from a minute ahead: %v; want none", seq, got)
		}
	})
}
