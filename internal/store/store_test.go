package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/honeyvault/honeyvault/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// eachStore runs fn against a fresh SQLite file and a fresh database on a real
// PostgreSQL server: the same suite for both backends.
func eachStore(t *testing.T, fn func(t *testing.T, s *Store)) {
	t.Helper()
	eachDSN(t, func(t *testing.T, dsn string) {
		s, err := Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		fn(t, s)
	})
}

// eachDSN runs fn with the DSN of a fresh SQLite file and of a fresh
// database on a real PostgreSQL server, not yet opened: for tests that
// open, close and reopen the store themselves (migrations).
func eachDSN(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Helper()
	backends := map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "hv.db") },
		"postgres": func(t *testing.T) string { return testenv.Postgres(t) },
	}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) { fn(t, backends[name](t)) })
	}
}

func TestOpenMigratesAndIsReady(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if err := s.Ready(ctx); err != nil {
			t.Fatal(err)
		}
		v, err := s.SchemaVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := v, latestMigration(); got != want || want == 0 {
			t.Errorf("schema version: got %d; want %d", got, want)
		}
	})
}

func TestReopenIsIdempotent(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "sub", "hv.db")
	for i := 0; i < 2; i++ {
		s, err := Open(context.Background(), dsn)
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		if err := s.Ready(context.Background()); err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
}

func TestOpenRejectsBadDSN(t *testing.T) {
	for _, dsn := range []string{"", "mysql://x", "sqlite:"} {
		if _, err := Open(context.Background(), dsn); err == nil {
			t.Errorf("Open(%q) succeeded; want an error", dsn)
		}
	}
}

func TestSplitStatements(t *testing.T) {
	got := splitStatements("-- comment\nCREATE TABLE a (x INT);\n\nCREATE INDEX i ON a (x);\n-- trailing\n")
	if len(got) != 2 || got[0] != "CREATE TABLE a (x INT)" || got[1] != "CREATE INDEX i ON a (x)" {
		t.Errorf("got %q", got)
	}
}

func latestMigration() int {
	ms, err := loadMigrations()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}
