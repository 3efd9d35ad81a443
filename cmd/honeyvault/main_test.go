package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// binary is the honeyvault built once for these end-to-end tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hv-bin-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "honeyvault")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func run(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String(), code
}

func TestHelpListsVerbs(t *testing.T) {
	out, _, code := run(t, nil, "--help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, verb := range []string{"serve", "scan", "plant", "names", "lab", "version", "watchlist", "token"} {
		if !strings.Contains(out, "  "+verb+" ") {
			t.Errorf("--help does not list %q:\n%s", verb, out)
		}
	}
}

func TestServeFailsFastOnBadSetting(t *testing.T) {
	_, stderr, code := run(t, []string{"HONEYVAULT_LOG_LEVEL=loud"}, "serve", "--db", "sqlite:"+filepath.Join(t.TempDir(), "x.db"))
	if code != 2 || !strings.Contains(stderr, "log.level") || !strings.Contains(stderr, "HONEYVAULT_LOG_LEVEL") {
		t.Errorf("exit %d, stderr %q; want 2 naming log.level and its source", code, stderr)
	}
}

func TestWatchlistImportExportRoundTrip(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	want := "ResourceProvider,ResourceId,HoneyToken,Properties\r\n" +
		`Microsoft.KeyVault,/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-one,db-password,"{""Type"":""secret""}"` + "\r\n" +
		`Microsoft.KeyVault,/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-one,signing,"{""Type"":""key""}"` + "\r\n"
	os.WriteFile(in, []byte(want), 0o600)
	db := "sqlite:" + filepath.Join(dir, "hv.db")
	for i, wantMsg := range []string{"2 rows, 2 new decoys", "2 rows, 0 new decoys"} {
		out, stderr, code := run(t, nil, "watchlist", "import", "--db", db, in)
		if code != 0 || !strings.Contains(out, wantMsg) {
			t.Fatalf("import %d: exit %d, %q %q", i, code, out, stderr)
		}
	}
	out, _, code := run(t, nil, "watchlist", "export", "--db", db)
	if code != 0 || out != want {
		t.Errorf("export: exit %d\ngot  %q\nwant %q", code, out, want)
	}
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("ResourceProvider,ResourceId,HoneyToken,Properties\r\nMicrosoft.KeyVault,/x,y,z\r\n"), 0o600)
	if _, stderr, code := run(t, nil, "watchlist", "import", "--db", db, bad); code != 2 || !strings.Contains(stderr, "line 2") {
		t.Errorf("bad import: exit %d, %q", code, stderr)
	}
}

func TestServeAnswersAndStopsOnSIGTERM(t *testing.T) {
	cmd := exec.Command(binary, "serve", "--listen", "127.0.0.1:0", "--db", "sqlite:"+filepath.Join(t.TempDir(), "hv.db"), "--log-format", "json")
	cmd.Env = append(os.Environ(), "HONEYVAULT_ADMIN_TOKEN=admin-token-for-e2e-test", "HONEYVAULT_INVENTORY_INTERVAL=off", "HONEYVAULT_RECONCILE_INTERVAL=off", "HONEYVAULT_HEARTBEAT_INTERVAL=off")
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	logs := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logs <- sc.Text()
		}
		close(logs)
	}()
	var all []string
	var addr string
	deadline := time.After(2 * time.Minute)
	for addr == "" {
		select {
		case line, ok := <-logs:
			if !ok {
				t.Fatalf("server exited before serving: %q", all)
			}
			all = append(all, line)
			if strings.Contains(line, "honeyvault serving") {
				if addr = servingAddr(line); addr == "" {
					t.Fatalf("no address in %q", line)
				}
			}
		case <-deadline:
			cmd.Process.Kill()
			t.Fatalf("server did not start: %q", all)
		}
	}
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("/readyz: %d", resp.StatusCode)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	for line := range logs {
		all = append(all, line)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
	text := strings.Join(all, "\n")
	if !strings.Contains(text, "shutting down") {
		t.Errorf("no graceful shutdown in logs:\n%s", text)
	}
	if strings.Contains(text, "admin-token-for-e2e-test") {
		t.Error("token in logs")
	}
}
