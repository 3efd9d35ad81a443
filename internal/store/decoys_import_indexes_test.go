package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// indexUses are queries each of decoys' indexes serves, by index name: a
// read in key order for the identity (a lookup by key would not tell it
// from the coverage index, which shares its first two columns), the
// others as the console's coverage, the vault scopes, the registry's
// filter by time changed and detection's sync use them.
var indexUses = map[string]string{
	"decoys_identity":     "SELECT vault_key, type, name_key FROM decoys ORDER BY vault_key, type, name_key LIMIT 5",
	"decoys_subscription": "SELECT id FROM decoys WHERE subscription_key = 's'",
	"decoys_updated":      "SELECT id FROM decoys WHERE updated_at > 5 ORDER BY updated_at",
	"decoys_change_seq":   "SELECT id FROM decoys WHERE change_seq > 5 ORDER BY change_seq",
	"decoys_coverage":     "SELECT vault_key, type, status, COUNT(*) FROM decoys GROUP BY vault_key, type, status ORDER BY vault_key, type, status",
}

// checkIndexes fails t unless decoys has exactly the indexes indexUses
// names, each holding every row (SQLite's integrity_check, PostgreSQL's
// amcheck with heapallindexed) and chosen by the planner for its query
// (on PostgreSQL after ANALYZE and with sequential scans off: a few
// thousand rows fit a few pages, where a scan is cheaper).
func checkIndexes(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	conn, err := s.w.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var names []string
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	defs, err := s.rebuildableIndexes(ctx, tx)
	if err != nil {
		t.Fatal(err)
	}
	for name := range defs {
		names = append(names, name)
	}
	slices.Sort(names)
	want := []string{"decoys_change_seq", "decoys_coverage", "decoys_identity", "decoys_subscription", "decoys_updated"}
	if !slices.Equal(names, want) {
		t.Fatalf("indexes of decoys %v; want %v", names, want)
	}
	explain := "EXPLAIN QUERY PLAN "
	if s.Driver() == "postgres" {
		explain = "EXPLAIN "
		mustExec(t, tx, "CREATE EXTENSION IF NOT EXISTS amcheck")
		mustExec(t, tx, "ANALYZE decoys") // statistics, so that the planner tells the indexes apart
		mustExec(t, tx, "SET LOCAL enable_seqscan = off")
		for _, name := range names {
			mustExec(t, tx, "SELECT bt_index_check('"+name+"', true)")
		}
	} else {
		var ok string
		if err := tx.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
			t.Fatalf("integrity_check: %q, %v", ok, err)
		}
	}
	for _, name := range names {
		plan := queryPlan(t, tx, explain+indexUses[name])
		if !strings.Contains(plan, name) {
			t.Errorf("plan of %q does not use %s:\n%s", indexUses[name], name, plan)
		}
	}
}

// queryPlan is the text of an EXPLAIN's rows (the last column of each).
func queryPlan(t *testing.T, tx *sql.Tx, q string) string {
	t.Helper()
	rows, err := tx.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var b strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		for i := range vals {
			vals[i] = new(any)
		}
		if err := rows.Scan(vals...); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%v\n", *vals[len(vals)-1].(*any))
	}
	return b.String()
}

func mustExec(t *testing.T, tx *sql.Tx, q string) {
	t.Helper()
	if _, err := tx.Exec(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// watchlistFile writes the watchlist rows of r to a file in a temporary
// directory and opens it: what the CLI passes, whose size estimates its
// rows.
func watchlistFile(t *testing.T, r interface{ Read([]byte) (int, error) }) *os.File {
	t.Helper()
	path := filepath.Join(t.TempDir(), "watchlist.csv")
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// An import large enough to rebuild decoys' indexes leaves them all there,
// whole and used — into an empty table, into a small one (from a file,
// whose size estimates its rows) and after a failed import, which restores
// them with everything else. A repeat of a stored decoy is then still
// refused by the identity index.
func TestImportRebuildsIndexes(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		who := AuditEntry{Actor: "cli:alice"}
		const n = 2*importBatch + 5
		if _, _, err := s.ImportWatchlist(ctx, watchlistRows(n, n), "watchlist:bad.csv", who); err == nil {
			t.Fatal("import with a bad row: no error")
		}
		checkIndexes(t, s)
		if rows, added, err := s.ImportWatchlist(ctx, watchlistRows(n, 0), "watchlist:a.csv", who); err != nil || rows != n || added != n {
			t.Fatalf("import into an empty table: %d rows, %d added, %v; want %d, %d", rows, added, err, n, n)
		}
		checkIndexes(t, s)
		// Twice as many rows, half of them stored already.
		f := watchlistFile(t, watchlistRows(2*n, 0))
		if rows, added, err := s.ImportWatchlist(ctx, f, "watchlist:b.csv", who); err != nil || rows != 2*n || added != n {
			t.Fatalf("import into a small table: %d rows, %d added, %v; want %d, %d", rows, added, err, 2*n, n)
		}
		checkIndexes(t, s)
		if got := countAll(t, s); got != 2*n {
			t.Errorf("%d decoys; want %d", got, 2*n)
		}
		d := registry.Decoy{VaultID: registry.VaultID("33333333-3333-3333-3333-333333333333", "rg-scale", "kv-scale-0000"),
			Name: "DB-PASSWORD-000000", Type: registry.Secret, CreatedBy: "test"}
		if err := s.AddDecoy(ctx, &d); !errors.Is(err, ErrConflict) {
			t.Errorf("adding a stored decoy again: %v; want ErrConflict", err)
		}
	})
}

// repeatingWatchlist is a watchlist of n decoys in which every third row
// is followed by a repeat of it in upper case (the vault id too): n +
// n/3 rows or so.
func repeatingWatchlist(n int) (csv string, rows int) {
	var b strings.Builder
	b.WriteString("ResourceProvider,ResourceId,HoneyToken,Properties\r\n")
	for i := 0; i < n; i++ {
		vault := registry.VaultID("33333333-3333-3333-3333-333333333333", "rg-scale", fmt.Sprintf("kv-scale-%04d", i/3))
		name := fmt.Sprintf("db-password-%06d", i)
		row := func(vault, name string) {
			fmt.Fprintf(&b, "Microsoft.KeyVault,%s,%s,\"{\"\"Type\"\":\"\"%s\"\"}\"\r\n", vault, name, registry.Types[i%3])
			rows++
		}
		row(vault, name)
		if i%3 == 0 {
			row(strings.ToUpper(vault), strings.ToUpper(name))
		}
	}
	return b.String(), rows
}

// A large file that repeats decoys, imported into an empty table (indexes
// rebuilt, repeats removed before the identity index is built), adds each
// once, in its first spelling, with ids in file order; the same file into
// a table that is not empty (on PostgreSQL by the staging table, read in
// the order COPY wrote it) adds the rest the same way.
func TestImportWatchlistKeepsFileOrder(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		who := AuditEntry{Actor: "cli:alice"}
		const n = 2*importBatch + 11
		csv, rows := repeatingWatchlist(n)
		checkOrder := func(want int) {
			t.Helper()
			i := 0
			var last int64
			_, err := s.EachDecoy(ctx, func(d registry.Decoy) error {
				if name := fmt.Sprintf("db-password-%06d", i); d.Name != name || d.ID <= last {
					return fmt.Errorf("decoy %d: %q id %d after %d; want %q", i, d.Name, d.ID, last, name)
				}
				last = d.ID
				i++
				return nil
			})
			if err != nil || i != want {
				t.Fatalf("read %d decoys, %v; want %d in file order", i, err, want)
			}
		}
		got, added, err := s.ImportWatchlist(ctx, strings.NewReader(csv), "watchlist:a.csv", who)
		if err != nil || got != rows || added != n {
			t.Fatalf("import into an empty table: %d rows, %d added, %v; want %d, %d", got, added, err, rows, n)
		}
		checkOrder(n)
		checkIndexes(t, s)

		// A fresh registry holding the first decoy only.
		mustExecDB(t, s, "DELETE FROM decoys WHERE name <> 'db-password-000000'")
		got, added, err = s.ImportWatchlist(ctx, strings.NewReader(csv), "watchlist:a.csv", who)
		if err != nil || got != rows || added != n-1 {
			t.Fatalf("import into a table of one decoy: %d rows, %d added, %v; want %d, %d", got, added, err, rows, n-1)
		}
		checkOrder(n)
		checkIndexes(t, s)
	})
}

func mustExecDB(t *testing.T, s *Store, q string) {
	t.Helper()
	if _, err := s.w.Exec(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// The rule that chooses to rebuild: how many rows an import brings (about,
// or not known) against how many are stored.
func TestDeferIndexesRule(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		tests := []struct {
			stored, estimate int
			want             bool
			wantPostgres     bool
		}{
			{stored: 0, estimate: unknownRows, want: true, wantPostgres: true},
			{stored: 0, estimate: importBatch, want: true, wantPostgres: true},
			{stored: 0, estimate: importBatch - 1, want: false, wantPostgres: false},
			{stored: 5, estimate: unknownRows, want: false, wantPostgres: false},
			{stored: 5, estimate: importBatch, want: true, wantPostgres: false},
			{stored: importBatch + 1, estimate: importBatch, want: false, wantPostgres: false},
		}
		stored := 0
		for _, tt := range tests {
			if tt.stored > stored {
				if _, _, err := s.ImportWatchlist(ctx, watchlistRows(tt.stored, 0), "watchlist:a.csv", AuditEntry{Actor: "cli:alice"}); err != nil {
					t.Fatal(err)
				}
				stored = tt.stored
			}
			var got bool
			rollback := errors.New("rolled back")
			err := s.tx(ctx, func(tx *sql.Tx) error {
				d, err := s.deferIndexes(ctx, tx, tt.estimate)
				got = d != nil
				if err != nil {
					return err
				}
				return rollback
			})
			if !errors.Is(err, rollback) {
				t.Fatalf("stored %d, estimate %d: %v", tt.stored, tt.estimate, err)
			}
			want := tt.want
			if s.Driver() == "postgres" {
				want = tt.wantPostgres
			}
			if got != want {
				t.Errorf("stored %d, estimate %d: rebuild %v; want %v", tt.stored, tt.estimate, got, want)
			}
		}
		checkIndexes(t, s)
	})
}

// A file's size estimates its rows; a stream's is not known.
func TestEstimateRows(t *testing.T) {
	f := watchlistFile(t, watchlistRows(3000, 0))
	fi, _ := f.Stat()
	if got, want := estimateRows(f), int(fi.Size()/watchlistRowBytes); got != want || got < importBatch {
		t.Errorf("estimate of a file of %d bytes: %d; want %d (at least %d)", fi.Size(), got, want, importBatch)
	}
	if got := estimateRows(strings.NewReader("ResourceProvider")); got != unknownRows {
		t.Errorf("estimate of a stream: %d; want %d", got, unknownRows)
	}
}

// Two imports of one file into an empty registry at once (serve
// --watchlist on replicas starting together) both succeed and add each
// decoy once between them: on PostgreSQL one rebuilds under its lock, the
// other finds the table filled once it has the lock and adds nothing.
func TestConcurrentImportsIntoAnEmptyTable(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		const n = 2*importBatch + 3
		type result struct {
			added int
			err   error
		}
		results := make(chan result, 2)
		for range 2 {
			go func() {
				_, added, err := s.ImportWatchlist(ctx, watchlistRows(n, 0), "watchlist:a.csv", AuditEntry{Actor: "cli:alice"})
				results <- result{added, err}
			}()
		}
		total := 0
		for range 2 {
			r := <-results
			if r.err != nil {
				t.Errorf("import: %v", r.err)
			}
			total += r.added
		}
		if total != n || countAll(t, s) != n {
			t.Errorf("added %d between them, %d stored; want %d", total, countAll(t, s), n)
		}
		checkIndexes(t, s)
	})
}
