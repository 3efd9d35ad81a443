package testenv

import (
	"database/sql"
	"net"
	"os"
	"path/filepath"
	"testing"
)

// A port taken between choosing it and PostgreSQL binding it (by another
// process on a busy machine) does not fail the start: it retries on another.
func TestPostgresStartsWhenItsFirstPortIsTaken(t *testing.T) {
	if bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb"); len(bins) == 0 {
		Unavailable(t, "PostgreSQL: initdb not found (run scripts/setup)")
	}
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	calls := 0
	ports := func() (int, error) {
		calls++
		if calls == 1 {
			return taken.Addr().(*net.TCPAddr).Port, nil
		}
		return FreePort()
	}
	url, stop, err := startPostgres(ports)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Ping(); err != nil {
		t.Fatal(err)
	}
	if calls != 2 {
		t.Errorf("chose %d ports; want 2 (the taken one, then another)", calls)
	}
}

func TestMain(m *testing.M) { os.Exit(Main(m)) }
