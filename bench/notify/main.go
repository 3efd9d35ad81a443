// Command notifybench measures decoy access → webhook received, from
// outside the server: it runs a webhook receiver on 127.0.0.1, starts
// `honeyvault serve` (a built binary) with --notify-webhook pointing at it,
// posts background traffic to the ingest endpoint at a steady rate, and
// every -every posts one record that touches a decoy (a new caller each
// time, so each opens an incident whose first alert goes out at once). It
// times each from just before its POST to the webhook's arrival and
// reports p50/p90/p99/max, and how many never arrived. With -bulk N it
// also posts one gzip-compressed body of N records (built before the
// clock starts) and measures the probes while that body is being stored,
// from its POST to its 202, instead of for -duration. Used by run.sh.
package main

import (
	"bytes"
	"compress/gzip"
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
	bulk := flag.Int("bulk", 0, "records of one large body stored meanwhile; the probes run while it is (0: none, probes run for -duration)")
	replicas := flag.Int("replicas", 1, "serve processes on the one database (PostgreSQL for more than one); traffic and probes go round-robin")
	flag.Parse()
	if err := run(*bin, *db, *duration, *rate, *every, *bulk, *replicas); err != nil {
		fmt.Fprintln(os.Stderr, "notifybench:", err)
		os.Exit(1)
	}
}

func run(bin, db string, duration time.Duration, rate int, every time.Duration, bulk, replicas int) error {
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

	// The receiver: arrival time of every correlation id, and how many
	// arrived more than once (several replicas must still send each once).
	var mu sync.Mutex
	arrived := make(map[string]time.Time)
	var duplicates int
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
			} else {
				duplicates++
			}
		}
		mu.Unlock()
	}))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var ingests []string
	for range max(replicas, 1) {
		base, stop, err := startServe(ctx, bin, db, watchlist, "http://"+hookL.Addr().String()+"/hook")
		if err != nil {
			return err
		}
		defer stop()
		ingests = append(ingests, base+"/api/v1/ingest/azure-keyvault")
	}
	base := strings.TrimSuffix(ingests[0], "/api/v1/ingest/azure-keyvault")
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}

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
			ingest := ingests[seq%len(ingests)]
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

	// The large body, stored while the probes run.
	var bulkDone chan bulkResult
	if bulk > 0 {
		body := bulkBody(bulk)
		bulkDone = make(chan bulkResult, 1)
		go func() { bulkDone <- postBulk(ingests[0], body) }()
	}
	var bulkRes *bulkResult
	measuring := func() bool {
		if bulkDone == nil {
			return true
		}
		select {
		case r := <-bulkDone:
			bulkRes = &r
			return false
		default:
			return true
		}
	}

	// Probes.
	sent := make(map[string]time.Time)
	var acked []time.Duration // POST until 202: the server's durable commit
	ackAt := make(map[string]time.Time)
	var probeErrs int
	deadline := time.Now().Add(duration)
	tick := time.NewTicker(every)
	measureStart := time.Now()
	for i := 0; (bulk > 0 || time.Now().Before(deadline)) && measuring(); i++ {
		<-tick.C
		corr := fmt.Sprintf("probe-%08d", i)
		var b bytes.Buffer
		writeRecord(&b, 1_000_000+i, "legacy-db-password", corr, fmt.Sprintf("attacker-%08d", i))
		start := time.Now()
		if !post(client, ingests[i%len(ingests)], b.Bytes()) {
			probeErrs++
			continue
		}
		sent[corr] = start
		acked = append(acked, time.Since(start))
		ackAt[corr] = time.Now()
	}
	tick.Stop()
	measured := time.Since(measureStart)
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
	mu.Lock()
	dups := duplicates
	mu.Unlock()
	fmt.Printf("db=%s replicas=%d probes=%d received=%d lost=%d duplicates=%d probe_post_errors=%d background=%.0f records/s (failed posts %d) "+
		"p50=%s p90=%s p99=%s max=%s",
		strings.SplitN(db, ":", 2)[0], len(ingests), len(sent), len(lat), len(sent)-len(lat), dups, probeErrs,
		float64(bgSent.Load())/measured.Seconds(), bgFailed.Load(),
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
	if len(failures.by) > 0 {
		fmt.Printf("  posts not accepted: %v\n", failures.by)
	}
	if bulkRes != nil {
		fmt.Printf("  bulk body: %d records, %.1f MB gzip (%.1f MB), %s in %.1f s (%.0f records/s): %s\n",
			bulk, float64(bulkRes.compressed)/1e6, float64(bulkRes.plain)/1e6, bulkRes.status, bulkRes.took.Seconds(),
			float64(bulk)/bulkRes.took.Seconds(), bulkRes.answer)
		printMetrics(base)
		if bulkRes.status != "202 Accepted" {
			return fmt.Errorf("the bulk body was not stored: %s %s", bulkRes.status, bulkRes.answer)
		}
	}
	if len(lat) != len(sent) || probeErrs > 0 {
		return fmt.Errorf("%d decoy accesses never reached the webhook", len(sent)-len(lat)+probeErrs)
	}
	return nil
}

type bulkResult struct {
	status, answer    string
	took              time.Duration
	compressed, plain int
}

type bulkPayload struct {
	gz    []byte
	plain int
}

// bulkBody is n records of ordinary traffic (no decoy), gzip-compressed.
// They are a little shorter than writeRecord's (no operationVersion,
// durationMs, resultSignature or isAccessPolicyMatch) so that 400,000 fit in
// the 256 MiB a body may decompress to.
func bulkBody(n int) bulkPayload {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	plain := 0
	var b bytes.Buffer
	t := time.Now().UTC().Format("2006-01-02T15:04:05.0000000Z")
	for i := range n {
		b.Reset()
		vault := fmt.Sprintf("kv-app%03d-prod", i%vaults)
		fmt.Fprintf(&b, `{"time":"%s","resourceId":"%s","operationName":"SecretGet","category":"AuditEvent","resultType":"Success",`+
			`"callerIpAddress":"10.2.%d.%d","correlationId":"bulk-%08x","identity":{"claim":{"oid":"7d1e2f3a-4b5c-4d6e-8f7a-%012x","appid":"04b07795-8ddb-461a-bbee-02f9e1bf7b46"}},`+
			`"properties":{"clientInfo":"azsdk-go-azsecrets/v1.5.1","requestUri":"https://%s.vault.azure.net/secrets/app-setting-%d/?api-version=7.4","httpStatusCode":200}}`+"\n",
			t, strings.ToUpper(vaultID(i%vaults)), (i/250)%250, i%250, i, i%1000, vault, i%40)
		plain += b.Len()
		zw.Write(b.Bytes())
	}
	zw.Close()
	return bulkPayload{gz: gz.Bytes(), plain: plain}
}

func postBulk(url string, body bulkPayload) bulkResult {
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body.gz))
	req.Header.Set("Authorization", "Bearer "+ingestToken)
	start := time.Now()
	resp, err := (&http.Client{Timeout: 30 * time.Minute}).Do(req)
	res := bulkResult{compressed: len(body.gz), plain: body.plain}
	if err != nil {
		res.status, res.took = err.Error(), time.Since(start)
		return res
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	res.status, res.answer, res.took = resp.Status, strings.TrimSpace(string(answer)), time.Since(start)
	return res
}

// startServe starts one `honeyvault serve` on a free port of 127.0.0.1
// and waits until it is ready; stop interrupts it and waits for it.
func startServe(ctx context.Context, bin, db, watchlist, hook string) (base string, stop func(), err error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.CommandContext(ctx, bin, "serve", "--listen", addr, "--db", db, "--watchlist", watchlist,
		"--notify-webhook", hook, "--log-level", "warn")
	cmd.Env = append(os.Environ(), "HONEYVAULT_ADMIN_TOKEN="+adminToken, "HONEYVAULT_INGEST_TOKEN="+ingestToken,
		"HONEYVAULT_INVENTORY_INTERVAL=off", "HONEYVAULT_RECONCILE_INTERVAL=off", "HONEYVAULT_HEARTBEAT_INTERVAL=off", "HONEYVAULT_DIAGNOSTICS_INTERVAL=off") // no discovery, reconcile, heartbeat or diagnostics check: nothing to reach but this machine
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop = func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }
	base = "http://" + addr
	if err := waitReady(base); err != nil {
		stop()
		return "", nil, err
	}
	return base, stop, nil
}

// printMetrics prints what the server's own metrics say the writer spent
// its time on: commits and (SQLite) restarts of the write-ahead log.
func printMetrics(base string) {
	req, _ := http.NewRequest("GET", base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(resp.Body)
	var out []string
	for _, line := range strings.Split(string(text), "\n") {
		for _, name := range []string{"honeyvault_ingest_commit_seconds_sum", "honeyvault_ingest_commit_seconds_count", "honeyvault_sqlite_wal_restarts_total", "honeyvault_sqlite_wal_restart_seconds_total"} {
			if strings.HasPrefix(line, name+" ") {
				out = append(out, line)
			}
		}
		if strings.HasPrefix(line, "honeyvault_ingest_commit_seconds_bucket") {
			out = append(out, strings.TrimPrefix(line, "honeyvault_ingest_commit_seconds_bucket"))
		}
	}
	fmt.Printf("  server: %s\n", strings.Join(out, ", "))
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

// failures counts the posts not answered 202, by status or error.
var failures struct {
	sync.Mutex
	by map[string]int
}

func failed(why string) {
	failures.Lock()
	defer failures.Unlock()
	if failures.by == nil {
		failures.by = make(map[string]int)
	}
	failures.by[why]++
}

func post(c *http.Client, url string, body []byte) bool {
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+ingestToken)
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp, err := c.Do(req)
	if err != nil {
		failed(err.Error())
		return false
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		failed(resp.Status)
	}
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
