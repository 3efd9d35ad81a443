package e2e

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to put the test database on a small disk

	"github.com/honeyvault/honeyvault/internal/testenv"
)

// /readyz says whether records can be stored: on a full disk, where ingest
// commits fail, it answers 503 — before, it answered 200 all along — and
// once space is freed it is ready again and nothing acknowledged is lost.
// The disk is a small tmpfs, really filled: SQLite's file lives on it;
// PostgreSQL's test database is moved into a tablespace on it.
func TestReadyzFollowsAFullDisk(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		if strings.HasPrefix(dsn, "sqlite:") {
			dsn = "sqlite:" + filepath.Join(smallDisk(t, 32<<20, os.Getuid(), os.Getgid()), "hv.db")
		} else {
			putOnSmallDisk(t, dsn)
		}
		srv := startServer(t, dsn, "HONEYVAULT_LOG_LEVEL=warn")
		// A refused post may still have stored part of its records (a
		// large body is committed in chunks): the sender posts it again,
		// as a forwarder does, and the store's dedupe keeps one of each.
		var refused []int
		posted := map[int]bool{}
		post := func(batch int) int {
			t.Helper()
			posted[batch] = true
			var b strings.Builder
			for i := 0; i < 500; i++ {
				writeBusyRecord(&b, batch*500+i)
			}
			code, _ := ingest(t, srv, b.String())
			if code != 202 {
				refused = append(refused, batch)
			}
			return code
		}
		if code := post(0); code != 202 {
			t.Fatalf("ingest before the disk filled: %d", code)
		}
		if code := readyz(t, srv); code != 200 {
			t.Fatalf("/readyz before the disk filled: %d", code)
		}

		filler := fill(t, filepath.Dir(strings.TrimPrefix(dsn, "sqlite:")), dsn)
		sawFailure := false
		for batch := 1; batch <= 200; batch++ {
			code := post(batch)
			if code == 202 {
				continue
			}
			sawFailure = true
			if code != http.StatusServiceUnavailable {
				t.Errorf("ingest on a full disk: %d; want 503 (retry)", code)
			}
			if readyz(t, srv) == http.StatusServiceUnavailable {
				break
			}
			if batch == 200 {
				t.Fatal("/readyz kept answering 200 while ingest commits failed on a full disk")
			}
		}
		if !sawFailure {
			t.Fatal("ingest never failed: the disk did not fill")
		}

		if err := os.Remove(filler); err != nil {
			t.Fatal(err)
		}
		eventually(t, "/readyz to answer 200 once space is free", func() bool { return readyz(t, srv) == 200 })
		if code := post(1000); code != 202 {
			t.Fatalf("ingest after space was freed: %d", code)
		}
		retry := refused
		refused = nil
		for _, batch := range retry {
			if code := post(batch); code != 202 {
				t.Fatalf("batch %d sent again after space was freed: %d", batch, code)
			}
		}
		var st struct{ Events int }
		apiGet(t, srv, "/api/v1/ingest/status", &st)
		if want := len(posted) * 500; st.Events != want {
			t.Errorf("%d events stored; want the %d posted, each once, once every refused post was sent again", st.Events, want)
		}
	})
}

func readyz(t *testing.T, srv *testenv.Serve) int {
	t.Helper()
	resp, err := http.Get(srv.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// smallDisk mounts a tmpfs of size bytes owned by uid:gid and returns its
// directory, unmounted when the test ends (after the server using it is
// killed: cleanups run last-registered first). Mounting needs root, which
// CI has; elsewhere the test is skipped.
func smallDisk(t *testing.T, size int64, uid, gid int) string {
	t.Helper()
	// Not under t.TempDir, whose parent only the test's user may enter:
	// the PostgreSQL server runs as another.
	dir, err := os.MkdirTemp("", "hv-small-disk-")
	if err != nil {
		t.Fatal(err)
	}
	opts := fmt.Sprintf("size=%d,mode=0700,uid=%d,gid=%d", size, uid, gid)
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", opts, "tmpfs", dir).CombinedOutput(); err != nil {
		os.Remove(dir)
		testenv.Unavailable(t, "a small tmpfs to fill (mount needs root): %v: %s", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
			return
		}
		os.Remove(dir)
	})
	return dir
}

// fill writes a file into the small disk until it is full and returns the
// file's path; removing it frees the space. For PostgreSQL the disk is the
// tablespace's (see putOnSmallDisk), found from the database's URL.
func fill(t *testing.T, sqliteDir, dsn string) string {
	t.Helper()
	dir := sqliteDir
	if !strings.HasPrefix(dsn, "sqlite:") {
		dir = smallDisks[dsn]
	}
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				return path
			}
			t.Fatal(err)
		}
	}
}

// smallDisks maps a PostgreSQL test database's URL to the tmpfs its
// tablespace is on.
var smallDisks = map[string]string{}

// putOnSmallDisk moves the (empty, unused) PostgreSQL database dsn into a
// tablespace on a small tmpfs owned by the server's user, so that filling
// the tmpfs makes the server's writes fail as on a full disk ("could not
// extend file", SQLSTATE 53100) while its own WAL stays where it was.
func putOnSmallDisk(t *testing.T, dsn string) {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	u.Path = "/postgres"
	admin, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var dataDir string
	if err := admin.QueryRowContext(ctx, "SHOW data_directory").Scan(&dataDir); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dataDir)
	if err != nil {
		testenv.Unavailable(t, "PostgreSQL's data directory on this machine (for a tablespace on a small disk): %v", err)
	}
	owner := fi.Sys().(*syscall.Stat_t)
	disk := smallDisk(t, 48<<20, int(owner.Uid), int(owner.Gid))
	space := "hvsmall_" + name
	if _, err := admin.ExecContext(ctx, "CREATE TABLESPACE "+space+" LOCATION '"+disk+"'"); err != nil {
		t.Fatal(err)
	}
	// Before the unmount: the database and the tablespace go first.
	t.Cleanup(func() {
		admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		if _, err := admin.Exec("DROP TABLESPACE IF EXISTS " + space); err != nil {
			t.Errorf("drop tablespace: %v", err)
		}
	})
	if _, err := admin.ExecContext(ctx, "ALTER DATABASE "+name+" SET TABLESPACE "+space); err != nil {
		t.Fatal(err)
	}
	smallDisks[dsn] = disk
}
