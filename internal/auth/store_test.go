package auth

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/store"
	"github.com/honeyvault/honeyvault/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// eachStore runs fn against a fresh SQLite file and a fresh database on a
// real PostgreSQL server.
func eachStore(t *testing.T, fn func(t *testing.T, st *store.Store)) {
	t.Helper()
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			dsn := "sqlite:" + filepath.Join(t.TempDir(), "hv.db")
			if name == "postgres" {
				dsn = testenv.Postgres(t)
			}
			st, err := store.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			fn(t, st)
		})
	}
}

func newClock() *testenv.Clock {
	return testenv.NewClock(time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC))
}
