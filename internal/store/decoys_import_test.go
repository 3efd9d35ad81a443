package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// watchlistRows is a reader of a HoneyTokens watchlist of n decoys made up
// as it is read (rows are never all in memory at once), the row on line
// bad (the header is line 1) invalid when bad > 0.
func watchlistRows(n, bad int) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		w := &strings.Builder{}
		fmt.Fprint(pw, "ResourceProvider,ResourceId,HoneyToken,Properties\r\n")
		for i := 0; i < n; i++ {
			w.Reset()
			name := fmt.Sprintf("db-password-%06d", i)
			if i+2 == bad {
				name = "not a name"
			}
			vault := registry.VaultID("33333333-3333-3333-3333-333333333333", "rg-scale", fmt.Sprintf("kv-scale-%04d", i/3))
			fmt.Fprintf(w, "Microsoft.KeyVault,%s,%s,\"{\"\"Type\"\":\"\"%s\"\"}\"\r\n", vault, name, registry.Types[i%3])
			if _, err := io.WriteString(pw, w.String()); err != nil {
				return
			}
		}
		pw.Close()
	}()
	return pr
}

// A streaming import spans many batches and is still all or nothing: a
// bad last row, after thousands of rows were inserted in its transaction,
// fails it naming that line and leaves the registry and the audit trail
// as they were. A good file then imports whole, once.
func TestImportWatchlistStreamsAllOrNothing(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		who := AuditEntry{Actor: "cli:alice"}
		const n = 3*importBatch + 17
		_, _, err := s.ImportWatchlist(ctx, watchlistRows(n, n+1), "watchlist:bad.csv", who)
		var re *registry.RowError
		if !errors.As(err, &re) || re.Line != n+1 {
			t.Fatalf("import with a bad last row: %v; want a *registry.RowError on line %d", err, n+1)
		}
		if !strings.Contains(err.Error(), fmt.Sprintf("line %d", n+1)) {
			t.Errorf("error %q does not name line %d", err, n+1)
		}
		if got := countAll(t, s); got != 0 {
			t.Errorf("after the failed import: %d decoys; want 0", got)
		}
		if trail, _ := s.ListAudit(ctx, AuditFilter{}); len(trail) != 0 {
			t.Errorf("after the failed import: audit trail %+v; want none", trail)
		}
		rows, added, err := s.ImportWatchlist(ctx, watchlistRows(n, 0), "watchlist:good.csv", who)
		if err != nil || rows != n || added != n {
			t.Fatalf("import: %d rows, %d added, %v; want %d, %d, nil", rows, added, err, n, n)
		}
		if got := countAll(t, s); got != n {
			t.Errorf("after the import: %d decoys; want %d", got, n)
		}
		rows, added, err = s.ImportWatchlist(ctx, watchlistRows(n, 0), "watchlist:good.csv", who)
		if err != nil || rows != n || added != 0 {
			t.Fatalf("again: %d rows, %d added, %v; want %d, 0, nil", rows, added, err, n)
		}
		trail, _ := s.ListAudit(ctx, AuditFilter{})
		if len(trail) != 1 || trail[0].Detail != fmt.Sprintf("%d rows, %d new decoys", n, n) {
			t.Errorf("audit trail %+v; want one decoy.import of %d rows", trail, n)
		}
	})
}

// Rows repeating a decoy (in another case, or one already stored) are
// counted as rows read and added once.
func TestImportWatchlistRepeatsAddOnce(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		csv := "ResourceProvider,ResourceId,HoneyToken,Properties\r\n" +
			"Microsoft.KeyVault," + vaultA + ",db-password,\"{\"\"Type\"\":\"\"secret\"\"}\"\r\n" +
			"Microsoft.KeyVault," + strings.ToUpper(vaultA) + ",DB-PASSWORD,\"{\"\"Type\"\":\"\"secret\"\"}\"\r\n" +
			"Microsoft.KeyVault," + vaultA + ",db-password,\"{\"\"Type\"\":\"\"key\"\"}\"\r\n"
		rows, added, err := s.ImportWatchlist(ctx, strings.NewReader(csv), "watchlist:a.csv", AuditEntry{Actor: "cli:alice"})
		if err != nil || rows != 3 || added != 2 {
			t.Fatalf("import: %d rows, %d added, %v; want 3, 2, nil", rows, added, err)
		}
		all, _ := s.ListDecoys(ctx, DecoyFilter{})
		if len(all) != 2 || all[0].Name != "db-password" || all[0].CreatedBy != "watchlist:a.csv" {
			t.Errorf("stored %+v; want the first spelling of each decoy, created by the file", all)
		}
	})
}

// EachDecoy reads the whole registry in id order, identity fields filled,
// and stops at fn's first error.
func TestEachDecoy(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if _, _, err := s.ImportWatchlist(ctx, watchlistRows(2500, 0), "watchlist:a.csv", AuditEntry{Actor: "cli:alice"}); err != nil {
			t.Fatal(err)
		}
		var n int
		var last int64
		seq, err := s.EachDecoy(ctx, func(d registry.Decoy) error {
			if d.ID <= last || d.VaultName == "" || d.Status != registry.Active || d.Key() != registry.KeyOf(d.VaultID, d.Type, d.Name) {
				return fmt.Errorf("decoy %d after %d: %+v", n, last, d)
			}
			if d.Name != fmt.Sprintf("db-password-%06d", n) {
				return fmt.Errorf("decoy %d is %q", n, d.Name)
			}
			last = d.ID
			n++
			return nil
		})
		if err != nil || n != 2500 || seq != 1 {
			t.Fatalf("read %d decoys, %v, change number %d; want 2500, nil, 1 (the import's)", n, err, seq)
		}
		stop := errors.New("enough")
		n = 0
		_, err = s.EachDecoy(ctx, func(registry.Decoy) error { n++; return stop })
		if !errors.Is(err, stop) || n != 1 {
			t.Errorf("fn's error: read %d, %v; want 1, %v", n, err, stop)
		}
		n = 0
		after, err := s.EachDecoyChangedAfter(ctx, seq, time.Now(), func(registry.Decoy) error { n++; return nil })
		if err != nil || n != 0 || after != seq {
			t.Errorf("changed after %d: read %d, %v, change number %d; want 0, nil, %d", seq, n, err, after, seq)
		}
	})
}
