package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/store"
)

const ingestToken = "ingest-token-for-crash-test"

// startServe starts honeyvault serve on db, on a port the kernel picks,
// and returns its address once it logs that it is serving there.
func startServe(t *testing.T, db string) (*exec.Cmd, string) {
	t.Helper()
	wl := filepath.Join(t.TempDir(), "wl.csv")
	os.WriteFile(wl, []byte(crashWatchlist), 0o600)
	cmd := exec.Command(binary, "serve", "--listen", "127.0.0.1:0", "--db", db, "--watchlist", wl)
	cmd.Env = append(os.Environ(), "HONEYVAULT_INGEST_TOKEN="+ingestToken, "HONEYVAULT_ADMIN_TOKEN=admin-token-for-crash-test", "HONEYVAULT_INVENTORY_INTERVAL=off", "HONEYVAULT_RECONCILE_INTERVAL=off", "HONEYVAULT_HEARTBEAT_INTERVAL=off")
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "honeyvault serving") {
				ready <- servingAddr(sc.Text())
			}
		}
		ready <- ""
	}()
	select {
	case addr := <-ready:
		if addr == "" {
			t.Fatal("server exited before serving")
		}
		return cmd, addr
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		t.Fatal("server did not start")
	}
	return nil, ""
}

// servingAddr returns the address in serve's "honeyvault serving" log line
// (addr=HOST:PORT in text, "addr":"HOST:PORT" in JSON).
func servingAddr(line string) string {
	for _, f := range strings.Fields(strings.NewReplacer(`"addr":"`, "addr=", `",`, " ").Replace(line)) {
		if a, ok := strings.CutPrefix(f, "addr="); ok {
			return a
		}
	}
	return ""
}

// crashRecord is record i; every 7th touches the decoy "s-decoy", so the
// stream carries alerts that all belong to one incident (same vault, same
// caller).
func crashRecord(i int) string {
	object := fmt.Sprintf("s%d", i)
	if i%7 == 0 {
		object = "s-decoy"
	}
	return fmt.Sprintf(`{"time":"2026-11-20T08:00:00.%07dZ","resourceId":"/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-CRASH",`+
		`"operationName":"SecretGet","category":"AuditEvent","resultType":"Success","correlationId":"crash-%d","callerIpAddress":"203.0.113.9",`+
		`"identity":{"claim":{"oid":"o-crash"}},"properties":{"requestUri":"https://kv-crash.vault.azure.net/secrets/%s/","httpStatusCode":200}}`, i%10_000_000, i, object)
}

const crashWatchlist = "ResourceProvider,ResourceId,HoneyToken,Properties\r\n" +
	`Microsoft.KeyVault,/subscriptions/s1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-crash,s-decoy,"{""Type"":""secret""}"` + "\r\n"

func postBatch(addr string, first, n int) bool {
	var body bytes.Buffer
	for i := first; i < first+n; i++ {
		body.WriteString(crashRecord(i) + "\n")
	}
	req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/ingest/azure-keyvault", &body)
	req.Header.Set("Authorization", "Bearer "+ingestToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusAccepted
}

// TestKill9LosesNoAcknowledgedRecord kills the server with SIGKILL while
// several forwarders post to it, restarts it, and checks that every record
// it acknowledged is stored, that sending everything again stores each
// record exactly once, and that the decoy accesses among them make exactly
// one alert each and one incident in all.
func TestKill9LosesNoAcknowledgedRecord(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "hv.db")
	cmd, addr := startServe(t, db)

	const senders, batch = 4, 50
	var mu sync.Mutex
	acked := map[int]bool{} // first record of each acknowledged batch
	sentAny := map[int]bool{}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for s := 0; s < senders; s++ {
		wg.Add(1)
		go func(s int) {
			defer wg.Done()
			for k := 0; ; k++ {
				select {
				case <-stop:
					return
				default:
				}
				first := (k*senders + s) * batch
				mu.Lock()
				sentAny[first] = true
				mu.Unlock()
				if postBatch(addr, first, batch) {
					mu.Lock()
					acked[first] = true
					mu.Unlock()
				} else {
					return // the server is gone
				}
			}
		}(s)
	}
	// Kill once a good number of batches are acknowledged, mid-stream.
	deadline := time.Now().Add(60 * time.Second)
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 40 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond) // polling the counter, not asserting on time
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	close(stop)
	wg.Wait()
	if len(acked) < 40 {
		t.Fatalf("only %d batches acknowledged before the kill", len(acked))
	}

	// Restart: the server must come up on the same database.
	cmd, addr = startServe(t, db)
	// Resend everything that was attempted: at-least-once senders do this.
	for first := range sentAny {
		if !postBatch(addr, first, batch) {
			t.Fatalf("resend of batch %d refused", first)
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()

	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	seen := map[string]int{}
	for after := int64(0); ; {
		evs, err := st.ListEvents(context.Background(), store.EventFilter{ByID: true, AfterID: after, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			break
		}
		for _, e := range evs {
			seen[e.Event.CorrelationID]++
			after = max(after, e.ID)
		}
	}
	for first := range acked {
		for i := first; i < first+batch; i++ {
			if seen[fmt.Sprintf("crash-%d", i)] == 0 {
				t.Fatalf("acknowledged record crash-%d lost", i)
			}
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s stored %d times", id, n)
		}
	}
	if got, want := len(seen), len(sentAny)*batch; got != want {
		t.Errorf("%d distinct records stored; want %d", got, want)
	}
	hits := 0
	for id := range seen {
		var i int
		fmt.Sscanf(id, "crash-%d", &i)
		if i%7 == 0 {
			hits++
		}
	}
	alerts, err := st.CountAlerts(context.Background(), store.AlertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if alerts != hits {
		t.Errorf("%d alerts; want one per decoy access, %d", alerts, hits)
	}
	incidents, err := st.ListIncidents(context.Background(), store.IncidentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(incidents) != 1 {
		t.Errorf("%d incidents; want 1 (one vault, one caller)", len(incidents))
	}
}
