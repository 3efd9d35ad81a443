package app

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
	"github.com/honeyvault/honeyvault/internal/testenv"
)

// syncBackend is a database of each kind, as store.Open's DSN and as the
// driver name and DSN of a plain connection to it.
type syncBackend struct {
	dsn, driver, raw string
}

func syncBackends(t *testing.T) map[string]func() syncBackend {
	return map[string]func() syncBackend{
		"sqlite": func() syncBackend {
			path := filepath.Join(t.TempDir(), "hv.db")
			return syncBackend{"sqlite:" + path, "sqlite", "file:" + path + "?_pragma=busy_timeout(10000)"}
		},
		"postgres": func() syncBackend {
			dsn := testenv.Postgres(t)
			return syncBackend{dsn, "pgx", dsn}
		},
	}
}

func openDetection(t *testing.T, dsn string) (*store.Store, *detection) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	d, err := newDetection(ctx, st, nil, prometheus.NewRegistry(), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	return st, d
}

// watchlistCSV is a HoneyTokens watchlist of n secrets in kv-pay.
func watchlistCSV(n int) string {
	var b strings.Builder
	b.WriteString("ResourceProvider,ResourceId,HoneyToken,Properties\r\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "Microsoft.KeyVault,%s,imported-%05d,\"{\"\"Type\"\":\"\"secret\"\"}\"\r\n", vaultPay, i)
	}
	return b.String()
}

// After an import, the next sync reads exactly the decoys it added, and
// the sync after reads none of them again (the overlap of a minute this
// replaced read them all on every sync for that minute).
func TestSyncReadsAnImportOnce(t *testing.T) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st, d := openDetection(t, syncBackends(t)[name]().dsn)
			const n = 3000
			_, added, err := st.ImportWatchlist(ctx, strings.NewReader(watchlistCSV(n)), "watchlist:pay.csv", store.AuditEntry{Actor: "cli:alice"})
			if err != nil || added != n {
				t.Fatalf("import: %d added, %v; want %d", added, err, n)
			}
			if read, err := d.sync(ctx, st); err != nil || read != n {
				t.Fatalf("first sync after the import: read %d, %v; want %d", read, err, n)
			}
			if got := d.matcher.Index().Len(); got != n {
				t.Errorf("index holds %d decoys; want %d", got, n)
			}
			if read, err := d.sync(ctx, st); err != nil || read != 0 {
				t.Fatalf("second sync: read %d, %v; want 0", read, err)
			}
		})
	}
}

// A decoy written by a transaction that took its change number before a
// sync read the registry, and committed after, is indexed by the next
// sync: a sync reads by change number, not by time, so a slow
// transaction is never skipped.
func TestSyncIndexesADecoyCommittedAfterItsRead(t *testing.T) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			b := syncBackends(t)[name]()
			st, d := openDetection(t, b.dsn)
			db, err := sql.Open(b.driver, b.raw)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			tx := holdDecoyInsert(t, db, "slow-to-commit")
			if read, err := d.sync(ctx, st); err != nil || read != 0 {
				t.Fatalf("sync while the transaction is open: read %d, %v; want 0", read, err)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			if read, err := d.sync(ctx, st); err != nil || read != 1 {
				t.Fatalf("sync after its commit: read %d, %v; want 1", read, err)
			}
			ev := auditlog.Event{Kind: auditlog.KindAudit, VaultName: "kv-pay", ObjectType: registry.Secret, ObjectName: "slow-to-commit"}
			if len(d.matcher.Index().Lookup(&ev)) != 1 {
				t.Error("the decoy is not watched")
			}
		})
	}
}

// holdDecoyInsert begins a transaction on db that writes a decoy named
// name in kv-pay as the store's writers do (the registry's next change
// number first, then the row stamped with it) and leaves it open.
func holdDecoyInsert(t *testing.T, db *sql.DB, name string) *sql.Tx {
	t.Helper()
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Rollback() })
	var seq int64
	if err := tx.QueryRowContext(ctx, "UPDATE registry_changes SET seq = seq + 1 WHERE id = 1 RETURNING seq").Scan(&seq); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UnixMicro()
	if _, err := tx.ExecContext(ctx, `INSERT INTO decoys (vault_id, vault_key, vault_name, subscription_key, name, name_key, type,
		created_by, created_at, status, updated_at, change_seq) VALUES ($1, $2, 'kv-pay', 's1', $3, $4, 'secret', 'test', $5, 'active', $5, $6)`,
		vaultPay, registry.VaultKey(vaultPay), name, registry.NameKey(vaultPay, name), now, seq); err != nil {
		t.Fatal(err)
	}
	return tx
}
