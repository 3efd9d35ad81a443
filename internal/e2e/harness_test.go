package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

const (
	adminToken  = "e2e-admin-token-0123456789abcdef"
	ingestToken = "e2e-ingest-token-0123456789abcdef"
	// vaultID is the vault of the decoys every server here watches.
	vaultID = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-apps/providers/Microsoft.KeyVault/vaults/kv-orders"
)

// decoys are the secrets planted in kv-orders.
var decoys = []string{"legacy-db-password", "payments-api-key", "backup-sa-conn"}

// eachDB runs fn with a fresh SQLite file and a fresh PostgreSQL database.
func eachDB(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Helper()
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			dsn := "sqlite:" + filepath.Join(t.TempDir(), "hv.db")
			if name == "postgres" {
				dsn = testenv.Postgres(t)
			}
			fn(t, dsn)
		})
	}
}

// startServer runs `honeyvault serve` on dsn with the decoys imported, the
// bootstrap tokens above and extra HONEYVAULT_* settings.
func startServer(t *testing.T, dsn string, env ...string) *testenv.Serve {
	t.Helper()
	csv := "ResourceProvider,ResourceId,HoneyToken,Properties\r\n"
	for _, d := range decoys {
		csv += fmt.Sprintf("Microsoft.KeyVault,%s,%s,\"{\"\"Type\"\":\"\"secret\"\"}\"\r\n", vaultID, d)
	}
	wl := filepath.Join(t.TempDir(), "HoneyTokens.csv")
	if err := os.WriteFile(wl, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	return testenv.StartServe(t, append([]string{
		"HONEYVAULT_DB=" + dsn, "HONEYVAULT_ADMIN_TOKEN=" + adminToken, "HONEYVAULT_INGEST_TOKEN=" + ingestToken,
		"HONEYVAULT_WATCHLIST=" + wl, "HONEYVAULT_LOG_LEVEL=debug",
	}, env...))
}

// record is one AuditEvent line: caller reads secret in kv-orders, with
// correlation id corr.
func record(secret, caller, corr string) string {
	return fmt.Sprintf(`{"time":%q,"resourceId":%q,"operationName":"SecretGet","operationVersion":"7.4","category":"AuditEvent",`+
		`"resultType":"Success","resultSignature":"OK","durationMs":"11","callerIpAddress":"203.0.113.7","correlationId":%q,`+
		`"identity":{"claim":{"oid":%q,"appid":"04b07795-8ddb-461a-bbee-02f9e1bf7b46"}},`+
		`"properties":{"clientInfo":"azsdk-go-azsecrets/v1.5.1","requestUri":"https://kv-orders.vault.azure.net/secrets/%s/?api-version=7.4",`+
		`"httpStatusCode":200,"isAccessPolicyMatch":true}}`,
		time.Now().UTC().Format("2006-01-02T15:04:05.0000000Z"), vaultID, corr, caller, secret)
}

// ingest posts body to the ingest endpoint and returns the status and body.
func ingest(t *testing.T, s *testenv.Serve, body string, header ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("POST", s.URL+"/api/v1/ingest/azure-keyvault", bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+ingestToken)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// apiGet fetches path with the admin token into v.
func apiGet(t *testing.T, s *testenv.Serve, path string, v any) {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// webhook is a real HTTP receiver of honeyvault's notifications. Answer
// decides, per delivery in arrival order, whether to answer 200 at once
// (nil) or to hold the request until the channel is closed (or the client
// goes away).
type webhook struct {
	*httptest.Server
	mu      sync.Mutex
	keys    []string // Idempotency-Key of every delivery, in arrival order
	arrived chan string
	hold    func(n int) <-chan struct{}
}

func newWebhook(t *testing.T, hold func(n int) <-chan struct{}) *webhook {
	t.Helper()
	w := &webhook{arrived: make(chan string, 1000), hold: hold}
	w.Server = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		key := r.Header.Get("Idempotency-Key")
		w.mu.Lock()
		w.keys = append(w.keys, key)
		n := len(w.keys)
		w.mu.Unlock()
		w.arrived <- key
		if w.hold != nil {
			if c := w.hold(n); c != nil {
				select {
				case <-c:
				case <-r.Context().Done():
					return
				}
			}
		}
		rw.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(w.Close)
	return w
}

func (w *webhook) deliveries() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.keys...)
}

// next waits for the next delivery and returns its idempotency key.
func (w *webhook) next(t *testing.T, what string) string {
	t.Helper()
	select {
	case k := <-w.arrived:
		return k
	case <-time.After(60 * time.Second):
		t.Fatalf("no webhook delivery for %s within 60 s", what)
		return ""
	}
}

// eventually polls cond until it holds, failing the test after a generous
// deadline (a bound on failure, not an expectation of speed).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
