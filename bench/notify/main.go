// Command notifybench measures decoy access → webhook received, from
// outside the server: it runs a webhook receiver on 127.0.0.1, starts
// `honeyvault serve` (a built binary) with --notify-webhook pointing at it,
// posts background traffic to the ingest endpoint at a steady rate, and
// every -every posts one record that touches a decoy (a new caller each
// time, so each opens an incident whose first alert goes out at once). It
// times each from just before its POST to the webhook's arrival and
// reports p50/p90/p99/max, and how many never arrived. Used by run.sh.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const (
	adminToken  = "bench-admin-token-0123456789"
	ingestToken = "bench-ingest-token-0123456789"
	vaults      = 200
)

func main() {
	bin := flag.String("bin", "./honeyvault", "honeyvault binary")
	db := flag.String("db", "", "database DSN (default: SQLite in a temp dir)")
	duration := flag.Duration("duration", 30*time.Second, "how long to measure")
	rate := flag.Int("rate", 1000, "background records per second")
	every := flag.Duration("every", 100*time.Millisecond, "one decoy access this often")
	flag.Parse()
	if err := run(*bin, *db, *duration, *rate, *every); err != nil {
		fmt.Fprintln(os.Stderr, "notifybench:", err)
		os.Exit(1)
	}
}

func run(bin, db string, duration time.Duration, rate int, every time.Duration) error {
	dir, err := os.MkdirTemp("", "hv-bench-notify-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if db == "" {
		db = "sqlite:" + filepath.Join(dir, "hv.db")
	}
	// One decoy in each vault the background traffic uses.
	var csv strings.Builder
	csv.WriteString("ResourceProvider,ResourceId,HoneyToken,Properties\r\n")
	for v := range vaults {
		fmt.Fprintf(&csv, "Microsoft.KeyVault,%s,legacy-db-password,\"{\"\"Type\"\":\"\"secret\"\"}\"\r\n", vaultID(v))
	}
	watchlist := filepath.Join(dir, "HoneyTokens.csv")
	if err := os.WriteFile(watchlist, []byte(csv.String()), 0o600); err != nil {
		return err
	}

	// The receiver: arrival time of every correlation id.
	var mu sync.Mutex
	arrived := make(map[string]time.Time)
	hookL, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go http.Serve(hookL, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		var m struct {
			Alerts []struct {
				CorrelationID string `json:"correlation_id"`
			} `json:"alerts"`
		}
		json.NewDecoder(r.Body).Decode(&m)
		mu.Lock()
		for _, a := range m.Alerts {
			if _, seen := arrived[a.CorrelationID]; !seen {
				arrived[a.CorrelationID] = now
			}
		}
		mu.Unlock()
	}))

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "serve", "--listen", addr, "--db", db, "--watchlist", watchlist,
		"--notify-webhook", "http://"+hookL.Addr().String()+"/hook", "--log-level", "warn")
	cmd.Env = append(os.Environ(), "HONEYVAULT_ADMIN_TOKEN="+adminToken, "HONEYVAULT_INGEST_TOKEN="+ingestToken)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }()
	base := "http://" + addr
	if err := waitReady(base); err != nil {
		return err
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	ingest := base + "/api/v1/ingest/azure-keyvault"

	// Background traffic: rate records/s in 20 posts a second.
	var bgSent, bgFailed atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		per := max(rate/20, 1)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		seq := 0
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			var b bytes.Buffer
			for range per {
				writeRecord(&b, seq, fmt.Sprintf("app-setting-%d", seq%40), fmt.Sprintf("bg-%08x", seq), fmt.Sprintf("5c3f1a2b-9d4e-4f6a-8b7c-%012x", seq%1000))
				seq++
			}
			wg.Add(1)
			go func(body []byte) {
				defer wg.Done()
				if post(client, ingest, body) {
					bgSent.Add(int64(per))
				} else {
					bgFailed.Add(1)
				}
			}(b.Bytes())
		}
	}()

	// Probes.
	sent := make(map[string]time.Time)
	var acked []time.Duration // POST until 202: the server's durable commit
	ackAt := make(map[string]time.Time)
	var probeErrs int
	deadline := time.Now().Add(duration)
	tick := time.NewTicker(every)
	for i := 0; time.Now().Before(deadline); i++ {
		<-tick.C
		corr := fmt.Sprintf("probe-%08d", i)
		var b bytes.Buffer
		writeRecord(&b, 1_000_000+i, "legacy-db-password", corr, fmt.Sprintf("attacker-%08d", i))
		start := time.Now()
		if !post(client, ingest, b.Bytes()) {
			probeErrs++
			continue
		}
		sent[corr] = start
		acked = append(acked, time.Since(start))
		ackAt[corr] = time.Now()
	}
	tick.Stop()
	close(stop)
	wg.Wait()
	// Wait for stragglers, then count.
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		mu.Lock()
		n := 0
		for c := range sent {
			if _, ok := arrived[c]; ok {
				n++
			}
		}
		mu.Unlock()
		if n == len(sent) {
			break
		}
	}
	mu.Lock()
	var lat []time.Duration
	for c, t := range sent {
		if a, ok := arrived[c]; ok {
			lat = append(lat, a.Sub(t))
		}
	}
	mu.Unlock()
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	fmt.Printf("db=%s probes=%d received=%d lost=%d probe_post_errors=%d background=%.0f records/s (failed posts %d) "+
		"p50=%s p90=%s p99=%s max=%s",
		strings.SplitN(db, ":", 2)[0], len(sent), len(lat), len(sent)-len(lat), probeErrs,
		float64(bgSent.Load())/duration.Seconds(), bgFailed.Load(),
		ms(pct(.50)), ms(pct(.90)), ms(pct(.99)), ms(pct(1)))
	slices.Sort(acked)
	lat = acked
	fmt.Printf(" (of which POST→202: p50=%s p99=%s;", ms(pct(.50)), ms(pct(.99)))
	lat = nil
	mu.Lock()
	for c, t := range ackAt {
		if a, ok := arrived[c]; ok {
			lat = append(lat, max(a.Sub(t), 0)) // the webhook may arrive before the 202 does
		}
	}
	mu.Unlock()
	slices.Sort(lat)
	fmt.Printf(" 202→webhook: p50=%s p99=%s)\n", ms(pct(.50)), ms(pct(.99)))
	if len(lat) != len(sent) || probeErrs > 0 {
		return fmt.Errorf("%d decoy accesses never reached the webhook", len(sent)-len(lat)+probeErrs)
	}
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }

func vaultID(v int) string {
	return fmt.Sprintf("/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-apps/providers/Microsoft.KeyVault/vaults/kv-app%03d-prod", v)
}

func waitReady(base string) error {
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
	}
	return fmt.Errorf("server at %s never became ready", base)
}

func post(c *http.Client, url string, body []byte) bool {
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+ingestToken)
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp, err := c.Do(req)
	if err != nil {
		return false
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == http.StatusAccepted
}

// writeRecord writes one AuditEvent JSON line: a SecretGet of secret in
// vault i%200 by caller, with correlation id corr.
func writeRecord(b *bytes.Buffer, i int, secret, corr, caller string) {
	vault := fmt.Sprintf("kv-app%03d-prod", i%vaults)
	t := time.Now().UTC()
	fmt.Fprintf(b, `{"time":"%s","resourceId":"%s","operationName":"SecretGet","operationVersion":"7.4","category":"AuditEvent",`+
		`"resultType":"Success","resultSignature":"OK","durationMs":"11","callerIpAddress":"10.1.%d.%d","correlationId":"%s",`+
		`"identity":{"claim":{"oid":"%s","appid":"04b07795-8ddb-461a-bbee-02f9e1bf7b46"}},`+
		`"properties":{"clientInfo":"azsdk-go-azsecrets/v1.5.1","requestUri":"https://%s.vault.azure.net/secrets/%s/?api-version=7.4",`+
		`"httpStatusCode":200,"isAccessPolicyMatch":true}}`+"\n",
		t.Format("2006-01-02T15:04:05.0000000Z"), strings.ToUpper(vaultID(i%vaults)), (i/250)%250, i%250, corr, caller, vault, secret)
}
