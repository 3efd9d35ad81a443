package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

const metricsToken = "e2e-metrics-token-0123456789abcdef"

// Whoever can reach /metrics without a token must not learn whether an
// access tripped a decoy: the metrics that reveal detection (decoy hits, the
// registry's size, notifications sent) need a metrics, analyst or admin
// token; the operational ones stay open for health checks.
func TestMetricsRevealDetectionOnlyToATokenHolder(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		hook := newWebhook(t, nil)
		srv := startServer(t, dsn, "HONEYVAULT_METRICS_TOKEN="+metricsToken, "HONEYVAULT_NOTIFY_WEBHOOK="+hook.URL)
		if code, body := ingest(t, srv, record(decoys[0], "attacker-metrics", "corr-metrics-1")); code != 202 {
			t.Fatalf("ingest: %d %s", code, body)
		}
		hook.next(t, "the decoy access")

		scrape := func(token string) (int, string) {
			t.Helper()
			req, _ := http.NewRequest("GET", srv.URL+"/metrics", nil)
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		detection := []string{"honeyvault_decoy_hits_total", "honeyvault_decoys{", "honeyvault_notify_sent_total"}
		operational := []string{"honeyvault_http_requests_total", "honeyvault_ingest_records_total", "honeyvault_detection_synced_timestamp_seconds", "process_resident_memory_bytes"}

		code, open := scrape("")
		if code != 200 {
			t.Fatalf("anonymous /metrics: %d", code)
		}
		for _, m := range detection {
			if strings.Contains(open, m) {
				t.Errorf("anonymous /metrics shows %s", m)
			}
		}
		for _, m := range operational {
			if !strings.Contains(open, m) {
				t.Errorf("anonymous /metrics lacks %s", m)
			}
		}
		for _, d := range decoys {
			if strings.Contains(open, d) {
				t.Errorf("anonymous /metrics names decoy %s", d)
			}
		}

		for _, tok := range []string{metricsToken, adminToken} {
			code, full := scrape(tok)
			if code != 200 {
				t.Fatalf("/metrics with a token allowed to read it: %d %s", code, full)
			}
			for _, want := range append([]string{`honeyvault_decoy_hits_total{severity="high",suppressed="false"} 1`, `honeyvault_decoys{status="active"} 3`}, operational...) {
				if !strings.Contains(full, want) {
					t.Errorf("/metrics with the %s token lacks %s", tok[:len("e2e-xxxxx")], want)
				}
			}
		}
		if code, body := scrape(ingestToken); code != http.StatusForbidden || strings.Contains(body, "honeyvault_") {
			t.Errorf("/metrics with the ingest token: %d; want 403 without metrics", code)
		}
		if code, body := scrape("not-a-token-0123456789abcdef"); code != http.StatusUnauthorized || strings.Contains(body, "honeyvault_") {
			t.Errorf("/metrics with a wrong token: %d; want 401 without metrics", code)
		}
	})
}
