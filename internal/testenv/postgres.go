package testenv

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to create test databases
)

// PostgresEnv names a PostgreSQL server URL (a superuser, any database) that
// tests use instead of starting their own; .ci/run sets it.
const PostgresEnv = "HONEYVAULT_TEST_POSTGRES"

var pg struct {
	once sync.Once
	url  string // server URL, database "postgres"
	stop func()
	err  error
}

// Postgres returns the URL of a fresh, empty database on a real PostgreSQL
// server, dropped when the test ends. The server is the one PostgresEnv names
// or, if unset, one started for this test binary from Debian's postgresql
// package in a temp dir on a free port (stopped by Main).
func Postgres(t testing.TB) string {
	t.Helper()
	pg.once.Do(func() {
		if u := os.Getenv(PostgresEnv); u != "" {
			pg.url = u
			return
		}
		pg.url, pg.stop, pg.err = startPostgres(FreePort)
	})
	if pg.err != nil {
		Unavailable(t, "PostgreSQL: %v", pg.err)
	}
	admin, err := sql.Open("pgx", pg.url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := "hvtest_" + randomHex(6)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("testenv: create database: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", pg.url)
		if err != nil {
			return
		}
		defer a.Close()
		a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	u, _ := url.Parse(pg.url)
	u.Path = "/" + name
	return u.String()
}

// Main runs the tests of a package and then stops the services it started.
// Use it from TestMain: func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }.
func Main(m *testing.M) int {
	code := m.Run()
	if pg.stop != nil {
		pg.stop()
	}
	return code
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// startPostgres initialises and starts a throwaway server on a port from
// freePort. PostgreSQL refuses to run as root, so as root it runs as the
// "postgres" user Debian creates.
func startPostgres(freePort func() (int, error)) (string, func(), error) {
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		return "", nil, fmt.Errorf("initdb not found (run scripts/setup to install Debian's postgresql)")
	}
	bin := filepath.Dir(bins[len(bins)-1])
	dir, err := os.MkdirTemp("", "hv-pg-")
	if err != nil {
		return "", nil, err
	}
	var asUser []string
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return "", nil, fmt.Errorf("running as root and no postgres user: %v", err)
		}
		if out, err := exec.Command("chown", u.Uid+":"+u.Gid, dir).CombinedOutput(); err != nil {
			return "", nil, fmt.Errorf("chown: %v: %s", err, out)
		}
		asUser = []string{"runuser", "-u", "postgres", "--"}
	}
	run := func(args ...string) error {
		full := append(append([]string{}, asUser...), args...)
		cmd := exec.Command(full[0], full[1:]...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %v: %s", filepath.Base(args[0]), err, strings.TrimSpace(string(out)))
		}
		return nil
	}
	data := filepath.Join(dir, "data")
	if err := run(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust", "--no-sync"); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	// The port is free when chosen, but on a busy machine another process
	// may bind it before PostgreSQL does: then start again on another.
	var port int
	for attempt := 1; ; attempt++ {
		if port, err = freePort(); err != nil {
			return "", nil, err
		}
		opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", port, dir)
		logFile := filepath.Join(dir, fmt.Sprintf("log.%d", attempt))
		err = run(filepath.Join(bin, "pg_ctl"), "-D", data, "-o", opts, "-l", logFile, "-w", "-t", "120", "start")
		if err == nil {
			break
		}
		log, _ := os.ReadFile(logFile)
		if !bytes.Contains(log, []byte("Address already in use")) || attempt == 5 {
			os.RemoveAll(dir)
			return "", nil, fmt.Errorf("%v\n%s", err, log)
		}
	}
	stop := func() {
		run(filepath.Join(bin, "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop")
		os.RemoveAll(dir)
	}
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port), stop, nil
}

// FreePort returns a TCP port on 127.0.0.1 that nothing listens on now.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
