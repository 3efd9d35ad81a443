package web

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auth"
	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/ingest"
	"github.com/honeyvault/honeyvault/internal/ingest/source"
	"github.com/honeyvault/honeyvault/internal/notify"
	"github.com/honeyvault/honeyvault/internal/notify/receivers"
)

const (
	hookSecret = "settings-test-hmac-0123456789"
	hookPath   = "/hooks/T0-SECRET-PATH"
	spSecret   = "sp-client-secret-never-shown"
)

// hookReceiver is a local webhook receiver that counts the messages it got
// and checks their signature.
type hookReceiver struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []string // bodies with a valid signature
	bad int      // requests with a missing or wrong one
}

func newHookReceiver(t *testing.T, status int) *hookReceiver {
	hr := &hookReceiver{}
	hr.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mac := hmac.New(sha256.New, []byte(hookSecret))
		mac.Write(body)
		hr.mu.Lock()
		if r.Header.Get("X-Honeyvault-Signature") == "sha256="+hex.EncodeToString(mac.Sum(nil)) && r.URL.Path == hookPath {
			hr.got = append(hr.got, string(body))
		} else {
			hr.bad++
		}
		hr.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(hr.srv.Close)
	return hr
}

func (hr *hookReceiver) counts() (int, int) {
	hr.mu.Lock()
	defer hr.mu.Unlock()
	return len(hr.got), hr.bad
}

// withSettings wires what the settings pages show: real notification
// channels (a working and a failing webhook receiver on 127.0.0.1) through
// a real notify.Worker, a config file's allow rule, planting settings, the
// ingest pipeline and the live sources' state as the app reports it.
func withSettings(ok, down *hookReceiver) envOption {
	return func(e *env, o *Options) {
		chs, err := receivers.FromConfig(config.Notify{Channels: []config.Channel{
			{Name: "ops", Type: "webhook", URL: ok.srv.URL + hookPath, Secret: hookSecret},
			{Name: "down", Type: "webhook", URL: down.srv.URL + hookPath, Secret: hookSecret},
		}}, func(string) string { return "" })
		if err != nil {
			e.t.Fatal(err)
		}
		w, err := notify.NewWorker(e.st, chs, notify.WorkerOptions{BaseURL: "https://hv.example.com"})
		if err != nil {
			e.t.Fatal(err)
		}
		o.Notify, o.NotifyTest = w, w
		o.AllowConfig = []config.Allow{{Identity: "config-scanner-oid", Operations: []string{"SecretList"}, Note: "weekly inventory"}}
		p := config.DefaultPlant()
		p.Types, p.SecretKeywords, p.Probability = []string{"secret", "key"}, []string{"stripe", "payroll"}, 0.25
		p.TenantID, p.ClientID, p.ClientSecret = "tenant-1", "app-planter", spSecret
		o.Plant = &p
		pipe := ingest.New(e.st, nil, slog.New(slog.DiscardHandler), nil)
		ctx, cancel := context.WithCancel(context.Background())
		go pipe.Run(ctx)
		e.t.Cleanup(cancel)
		o.Ingest = pipe
		at := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
		o.Sources = func() []source.Status {
			return []source.Status{
				{Name: "eventhub-weu", Kind: "eventhubs", State: source.StateRunning, Records: 1200, LastRecordTime: at, LastReceived: at, Lag: 90 * time.Second},
				{Name: "archive", Kind: "blobs", State: source.StateBackoff, Errors: 3, LastError: "list blobs: 403 AuthorizationPermissionMismatch", LastErrorAt: at},
				{Name: "spool", Kind: "file", State: source.StateStandby},
			}
		}
	}
}

func TestSettingsPagesShowWhatAdminsNeed(t *testing.T) {
	ok, down := newHookReceiver(t, 200), newHookReceiver(t, 500)
	e := newEnv(t, withSettings(ok, down))
	// An unreadable record that names a decoy: the sources page says why it
	// was refused, never what it held.
	resp, out := e.request(nil, "POST", "/api/v1/ingest/azure-keyvault", ingestToken,
		strings.NewReader(`{"records":[{"time":"2026-11-20T08:00:00Z","resourceId":"/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-PAY",`+
			`"operationName":"VaultGet","category":"AuditEvent","correlationId":"c1","properties":{"requestUri":"https://kv-pay.vault.azure.net/"}},`+
			`{"time":"not a time","resourceId":"/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-PAY",`+
			`"operationName":"SecretGet","properties":{"requestUri":"https://kv-pay.vault.azure.net/secrets/`+ownDecoy+`"}}]}`), "Content-Type", "application/json")
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("ingest: %d %s", resp.StatusCode, out)
	}
	c := e.browser()
	e.signIn(c, adminToken)

	_, home := e.request(c, "GET", "/", "", nil)
	mustContain(t, "home", home, `href="/settings"`)
	_, overview := e.request(c, "GET", "/settings", "", nil)
	mustContain(t, "overview", overview, `href="/settings/sources"`, `href="/settings/notifications"`, `href="/settings/allow-rules"`,
		`href="/settings/planting"`, `href="/tokens"`, `href="/audit"`, "3 live sources, 1 failing", "2 channels", "needs attention")

	_, sources := e.request(c, "GET", "/settings/sources", "", nil)
	mustContain(t, "sources", sources, "eventhub-weu", "health-ok\">running", "health-bad\">failing, retrying", "health-idle\">run by another replica", "403 AuthorizationPermissionMismatch",
		"1m30s", "When a source fails", "<strong>1</strong> unreadable records", `time &#34;…&#34;: want RFC 3339`)
	noDecoyIn(t, "sources page", sources)

	_, chans := e.request(c, "GET", "/settings/notifications", "", nil)
	mustContain(t, "notifications", chans, "ops", "down", ok.srv.URL+"/…", `action="/settings/notifications/ops/test"`, "Send test")
	mustNotContain(t, "notifications", chans, "SECRET-PATH", hookSecret)

	_, planting := e.request(c, "GET", "/settings/planting", "", nil)
	mustContain(t, "planting", planting, "secret, key", "stripe, payroll", "0.25", "HONEYVAULT_PLANT_PROBABILITY", "plant.max",
		"service principal app-planter with a client secret", "read-only")
	mustNotContain(t, "planting", planting, spSecret)

	_, rules := e.request(c, "GET", "/settings/allow-rules", "", nil)
	mustContain(t, "allow rules", rules, "config-scanner-oid", "weekly inventory", "read-only", "No stored rule")
}

func TestSettingsAreAdminsOnly(t *testing.T) {
	ok, down := newHookReceiver(t, 200), newHookReceiver(t, 500)
	e := newEnv(t, withSettings(ok, down))
	analyst, owner, metrics := e.token(auth.Analyst), e.token(auth.Owner, envSubPay), e.token(auth.Metrics)
	for who, tok := range map[string]string{"analyst": analyst, "owner": owner, "metrics": metrics, "ingest": ingestToken} {
		for _, rt := range []route{
			{"GET", "/settings", ""}, {"GET", "/settings/sources", ""}, {"GET", "/settings/notifications", ""},
			{"GET", "/settings/allow-rules", ""}, {"GET", "/settings/planting", ""},
			{"POST", "/settings/notifications/ops/test", ""}, {"POST", "/settings/allow-rules", "identity=sneaky"},
			{"GET", "/api/v1/allow-rules", ""}, {"POST", "/api/v1/allow-rules", `{"identity":"sneaky"}`},
			{"POST", "/api/v1/notify/channels/ops/test", ""},
		} {
			resp, body := e.call(nil, rt, tok)
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s %s %s: got %d; want 403", who, rt.method, rt.path, resp.StatusCode)
			}
			mustNotContain(t, who+" "+rt.path, body, "config-scanner-oid", "eventhub-weu", ok.srv.URL, "stripe")
		}
		// Only analysts and owners use the console; neither sees the link.
		if who == "analyst" || who == "owner" {
			c := e.browser()
			e.signIn(c, tok)
			_, home := e.request(c, "GET", "/", "", nil)
			mustNotContain(t, who+" home", home, `href="/settings"`)
		}
	}
	if n, bad := ok.counts(); n+bad != 0 {
		t.Errorf("a refused request sent %d test messages", n+bad)
	}
	rules, _ := e.st.AllowRules(context.Background(), time.Time{})
	if len(rules) != 0 {
		t.Errorf("a refused request stored rules: %+v", rules)
	}
}

func TestSendTestFromConsoleAndAPI(t *testing.T) {
	ok, down := newHookReceiver(t, 200), newHookReceiver(t, 500)
	e := newEnv(t, withSettings(ok, down))
	c := e.browser()
	csrf := e.signIn(c, adminToken)

	// Without the CSRF token nothing is sent.
	resp, _ := e.postForm(c, "/settings/notifications/ops/test", nil)
	if n, bad := ok.counts(); resp.StatusCode != http.StatusForbidden || n+bad != 0 {
		t.Fatalf("without CSRF: %d, %d sent", resp.StatusCode, n+bad)
	}
	resp, page := e.postForm(c, "/settings/notifications/ops/test", map[string][]string{"csrf_token": {csrf}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("send test: %d %s", resp.StatusCode, page)
	}
	mustContain(t, "after a test", page, "Test message sent through ops (webhook)")
	n, bad := ok.counts()
	if n != 1 || bad != 0 {
		t.Fatalf("receiver: %d signed, %d unsigned or wrong; want 1, 0", n, bad)
	}
	var msg struct {
		Incident struct{ Title, URL string }
	}
	if err := json.Unmarshal([]byte(ok.got[0]), &msg); err != nil || !strings.Contains(msg.Incident.Title, "test notification") ||
		msg.Incident.URL != "https://hv.example.com/incidents" {
		t.Errorf("test message: %v %s", err, ok.got[0])
	}

	resp, page = e.postForm(c, "/settings/notifications/down/test", map[string][]string{"csrf_token": {csrf}})
	if resp.StatusCode != http.StatusBadGateway {
		t.Errorf("failing channel: got %d; want 502", resp.StatusCode)
	}
	mustContain(t, "failed test", page, "The test message through down (webhook) failed", "500")
	mustNotContain(t, "failed test", page, "SECRET-PATH")
	resp, page = e.postForm(c, "/settings/notifications/nope/test", map[string][]string{"csrf_token": {csrf}})
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(page, "no such notification channel") {
		t.Errorf("unknown channel: got %d", resp.StatusCode)
	}

	// The API twin sends the same message.
	resp, body := e.request(nil, "POST", "/api/v1/notify/channels/ops/test", adminToken, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"ok":true`) {
		t.Errorf("API test ops: %d %s", resp.StatusCode, body)
	}
	resp, body = e.request(nil, "POST", "/api/v1/notify/channels/down/test", adminToken, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"ok":false`) || !strings.Contains(body, "500") || strings.Contains(body, "SECRET-PATH") {
		t.Errorf("API test down: %d %s", resp.StatusCode, body)
	}
	if resp, _ := e.request(nil, "POST", "/api/v1/notify/channels/nope/test", adminToken, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("API unknown channel: got %d; want 404", resp.StatusCode)
	}
	if n, _ := ok.counts(); n != 2 {
		t.Errorf("receiver got %d signed messages; want 2", n)
	}
	if got, want := e.auditActions(), "notify.test notify.test notify.test notify.test"; !strings.HasPrefix(got, want) {
		t.Errorf("audit trail: got %q; want four notify.test first", got)
	}
}
