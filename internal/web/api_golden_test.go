package web

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auth"
	"github.com/honeyvault/honeyvault/internal/ingest/source"
	"github.com/honeyvault/honeyvault/internal/notify"
	"github.com/honeyvault/honeyvault/internal/store"
)

var update = flag.Bool("update", false, "rewrite testdata/api.golden from what the server answers")

// goldenClock is the test clock of TestAPIJSONIsStable: far from the wall
// clock, so that the times the store stamps itself (and that the test must
// blank) cannot be mistaken for it.
var goldenClock = time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)

// TestAPIJSONIsStable holds every JSON answer of the REST API (the
// routes of SPEC.md and the README's HTTP interface) to the bytes in
// testdata/api.golden: field names, order, omitted empties and null-versus-[]
// are a stable interface that scripts and the command line decode. Times the
// store stamps with the wall clock and the random parts of tokens are
// blanked; everything else must match byte for byte. Run with -update after
// a deliberate change of the interface, and say so in the README.
func TestAPIJSONIsStable(t *testing.T) {
	e := newEnv(t, withGoldenChannels, withGoldenSources)
	e.clk.Set(goldenClock)
	e.seedIncident()
	e.seedVaults()
	ctx := context.Background()
	if _, err := e.st.Accept(ctx, []store.Batch{{Source: "eventhubs:kv-logs", DeadLetters: []store.DeadLetter{
		{Source: "eventhubs:kv-logs", Position: "partition 0 offset 42", Reason: "not JSON", Raw: "{broken"},
	}}}, nil); err != nil {
		t.Fatal(err)
	}
	analyst := e.token(auth.Analyst)

	var out strings.Builder
	call := func(method, path, bearer, body string) {
		t.Helper()
		var hdr []string
		if body != "" {
			hdr = []string{"Content-Type", "application/json"}
		}
		resp, text := e.request(nil, method, path, bearer, strings.NewReader(body), hdr...)
		fmt.Fprintf(&out, "== %s %s %s\n%d %s\n%s", method, path, body, resp.StatusCode, resp.Header.Get("Content-Type"), text)
	}
	for _, c := range []struct{ method, path, bearer, body string }{
		{"GET", "/api/v1/honeytokens", adminToken, ""},
		{"GET", "/api/v1/honeytokens?limit=1", adminToken, ""},
		{"GET", "/api/v1/honeytokens?status=gone", adminToken, ""},
		{"GET", "/api/v1/vaults", analyst, ""},
		{"GET", "/api/v1/vaults?state=not-covered&limit=1", analyst, ""},
		{"GET", "/api/v1/vaults?state=green", analyst, ""},
		{"GET", "/api/v1/vaults" + envVaultPay, analyst, ""},
		{"GET", "/api/v1/vaults" + envVaultPay + "-none", analyst, ""},
		{"POST", "/api/v1/vaults/discover", adminToken, ""},
		{"GET", "/api/v1/incidents", analyst, ""},
		{"GET", "/api/v1/incidents?limit=1", analyst, ""},
		{"GET", "/api/v1/incidents/1", analyst, ""},
		{"GET", "/api/v1/incidents/99", analyst, ""},
		{"GET", "/api/v1/alerts", analyst, ""},
		{"GET", "/api/v1/alerts?limit=1", analyst, ""},
		{"POST", "/api/v1/incidents/1/assign", analyst, `{"owner":"alice@contoso.com"}`},
		{"POST", "/api/v1/incidents/1/comment", analyst, `{"comment":"looking"}`},
		{"POST", "/api/v1/incidents/1/close", analyst, `{"classification":"true_positive","comment":"pen test"}`},
		{"POST", "/api/v1/incidents/1/close", analyst, `{"classification":"true_positive"}`},
		{"POST", "/api/v1/incidents/1/reopen", analyst, `{"comment":"not a pen test"}`},
		{"GET", "/api/v1/incidents/1", analyst, ""},
		{"POST", "/api/v1/tokens", adminToken, `{"name":"pay owners","role":"owner","scope":["kv-pay"],"expires":"30d"}`},
		{"POST", "/api/v1/tokens", adminToken, `{"role":"root"}`},
		{"DELETE", "/api/v1/tokens/2", adminToken, ""},
		{"GET", "/api/v1/tokens", adminToken, ""},
		{"GET", "/api/v1/audit", adminToken, ""},
		{"GET", "/api/v1/audit?limit=1", adminToken, ""},
		{"GET", "/api/v1/audit?format=jsonl", adminToken, ""},
		{"GET", "/api/v1/notify/channels", analyst, ""},
		{"GET", "/api/v1/ingest/status", adminToken, ""},
		{"GET", "/api/v1/dead-letters", adminToken, ""},
		{"GET", "/api/v1/dead-letters?limit=0", adminToken, ""},
		{"GET", "/api/v1/nope", adminToken, ""},
	} {
		call(c.method, c.path, c.bearer, c.body)
	}

	got := blankVolatile(t, e, out.String())
	file := filepath.Join("testdata", "api.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("the API's JSON changed (go test -run TestAPIJSONIsStable -update ./internal/web rewrites %s; diff it):\n%s", file, firstDifference(string(want), got))
	}
}

var (
	rfc3339  = regexp.MustCompile(`"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)"`)
	plainHVT = regexp.MustCompile(`hvt_[A-Za-z0-9_-]{43}`)
)

// blankVolatile replaces what differs from run to run: times within two
// days of the wall clock (the store stamps rows itself), new tokens and
// every token's random prefix.
func blankVolatile(t *testing.T, e *env, s string) string {
	t.Helper()
	s = plainHVT.ReplaceAllString(s, "<token>")
	tokens, err := e.st.ListTokens(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range tokens {
		s = strings.ReplaceAll(s, tok.Prefix, fmt.Sprintf("<prefix of token %d>", tok.ID))
	}
	now := time.Now()
	return rfc3339.ReplaceAllStringFunc(s, func(q string) string {
		at, err := time.Parse(time.RFC3339Nano, strings.Trim(q, `"`))
		if err == nil && at.Sub(now).Abs() < 48*time.Hour {
			return `"<now>"`
		}
		return q
	})
}

// firstDifference shows where two texts part, with a little context.
func firstDifference(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(wl), len(gl)); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d\nwant: %s\ngot:  %s", i+1, w, g)
		}
	}
	return "same lines, different ends"
}

// withGoldenChannels reports two notification channels through a real
// worker over the env's store.
func withGoldenChannels(e *env, o *Options) {
	var noop silentNotifier
	w, err := notify.NewWorker(e.st, []notify.Channel{
		{Name: "soc-webhook", Type: "webhook", Notifier: noop},
		{Name: "pay-slack", Type: "slack", Notifier: noop, Filter: notify.Filter{MinSeverity: "high", Vaults: []string{"kv-pay"}}},
	}, notify.WorkerOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	o.Notify = w
}

// withGoldenSources reports live sources in states their runners report
// (package source's State constants) and with every field set, as the
// server's source runners would.
func withGoldenSources(e *env, o *Options) {
	o.Sources = func() []source.Status {
		return []source.Status{
			{Name: "kv-logs", Kind: "eventhubs", State: source.StateRunning, Records: 12, New: 10, Duplicates: 1, DeadLetters: 1, Errors: 2,
				LastError: "connection reset", LastErrorAt: goldenClock.Add(-time.Minute), LastPoll: goldenClock,
				LastRecordTime: goldenClock.Add(-2 * time.Second), Lag: 1500 * time.Millisecond},
			{Name: "archive", Kind: "file", State: source.StateStarting},
			{Name: "la-query", Kind: "loganalytics", State: source.StateBackoff, Errors: 1, LastError: "403 Forbidden",
				LastErrorAt: goldenClock.Add(-time.Second)},
		}
	}
}

// silentNotifier sends nothing and never fails.
type silentNotifier struct{}

func (silentNotifier) Notify(context.Context, *notify.Message) (bool, error) { return false, nil }
