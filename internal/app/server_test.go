package app

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/config"
)

const adminToken = "admin-token-for-server-test"

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServeImportsWatchlistAndShutsDownGracefully(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "HoneyTokens.csv")
	os.WriteFile(csv, []byte("ResourceProvider,ResourceId,HoneyToken,Properties\r\n"+
		`Microsoft.KeyVault,/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-one,db-password,"{""Type"":""secret""}"`+"\r\n"), 0o600)
	cfg := config.Default()
	cfg.DB = "sqlite:" + filepath.Join(dir, "hv.db")
	cfg.Watchlist = []string{csv, csv} // importing twice is harmless
	cfg.AdminToken = adminToken
	cfg.Log.Level = "debug"
	var logs syncBuffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	srv := serveInBackground(t, cfg, log)

	req, _ := http.NewRequest("GET", srv.url("/api/v1/honeytokens"), nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.Count(string(body), `"name":"db-password"`) != 1 {
		t.Errorf("got %d %s; want the imported decoy once", resp.StatusCode, body)
	}

	if err := srv.stop(); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if strings.Contains(logs.String(), adminToken) {
		t.Error("the admin token appears in the logs")
	}
	if !strings.Contains(logs.String(), `"added":1`) || !strings.Contains(logs.String(), `"added":0`) {
		t.Errorf("import not logged as expected:\n%s", logs.String())
	}
}

func TestNewFailsOnBadWatchlistAndChangesNothing(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("ResourceProvider,ResourceId,HoneyToken,Properties\n"+
		`Microsoft.KeyVault,/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-one,good,"{""Type"":""secret""}"`+"\n"+
		`Microsoft.KeyVault,/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-one,bad name,"{""Type"":""secret""}"`+"\n"), 0o600)
	cfg := config.Default()
	cfg.DB = "sqlite:" + filepath.Join(dir, "hv.db")
	cfg.Watchlist = []string{bad}
	_, err := New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("got %v; want an error naming line 3", err)
	}
	cfg.Watchlist = nil
	srv, err := New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Store.Close()
	counts, _ := srv.Store.CountDecoys(context.Background())
	if n := counts["active"]; n != 0 {
		t.Errorf("%d decoys stored from a rejected watchlist", n)
	}
}

// When the graceful shutdown times out, Serve closes the connections still
// open (net/http's idiom: Shutdown, then Close), so that no handler stays
// parked — here one reading a request body that never finishes.
func TestShutdownTimeoutClosesParkedHandlers(t *testing.T) {
	dir := t.TempDir()
	cfg := config.Default()
	cfg.DB = "sqlite:" + filepath.Join(dir, "hv.db")
	cfg.IngestToken = "ingest-token-for-server-test"
	cfg.Shutdown = config.Duration(100 * time.Millisecond)
	srv := serveInBackground(t, cfg, nil)

	c, err := net.Dial("tcp", srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Expect: 100-continue makes the server say when the handler starts
	// reading the body: from then on the handler is parked in that read.
	fmt.Fprintf(c, "POST /api/v1/ingest/azure-keyvault HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: 100000\r\nExpect: 100-continue\r\n\r\n", cfg.IngestToken)
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	br := bufio.NewReader(c)
	line, err := br.ReadString('\n')
	if err != nil || !strings.Contains(line, "100 Continue") {
		t.Fatalf("got %q, %v; want 100 Continue", line, err)
	}
	io.WriteString(c, `{"records":[`)

	if err := srv.stop(); errors.Is(err, errServeHung) { // else an error: the shutdown was not graceful
		t.Fatal("Serve did not return after its shutdown timeout")
	}
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.ReadAll(br); err != nil {
		t.Fatalf("the parked request's connection is still open after Serve returned: %v", err)
	}
}
