package httpcanary

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/canary"
	"github.com/honeyvault/honeyvault/internal/canary/canarytest"
)

// start runs a listener on 127.0.0.1 and returns its base URL (see
// canarytest.ServeTCP).
func start(t testing.TB, cfg Config, sink canary.Sink) string {
	t.Helper()
	return "http://" + canarytest.ServeTCP(t, New(cfg, sink, nil).Serve)
}

// clientFrom returns a client whose connections come from the loopback
// address src, so a test can play several sources.
func clientFrom(src string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 30 * time.Second}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}, Timeout: 60 * time.Second}
}

type answer struct {
	status        int
	body, wwwAuth string
}

func do(t *testing.T, c *http.Client, req *http.Request) answer {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{resp.StatusCode, string(b), resp.Header.Get("WWW-Authenticate")}
}

func newRequest(t *testing.T, method, url string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestEachUseIsOneHitWithItsToken(t *testing.T) {
	sink := &canarytest.Sink{}
	base := start(t, Config{ServerName: "nginx"}, sink)
	host := strings.TrimPrefix(base, "http://")
	c := clientFrom("127.0.0.1")
	tok := canary.NewToken()
	bearer := newRequest(t, "GET", base+"/v1/items", nil)
	bearer.Header.Set("Authorization", "Bearer sk_live_"+tok)
	scenarios := []struct {
		name       string
		req        *http.Request
		wantStatus int
		wantDetail map[string]string
		secret     string // must appear in no Detail value
	}{
		{"basic-auth URL", newRequest(t, "GET", "http://svc_user:"+tok+"@"+host+"/api/status", nil), 401,
			map[string]string{"method": "GET", "path": "/api/status", "auth_scheme": "Basic"}, tok},
		{"key in path", newRequest(t, "POST", base+"/services/T0001/B0002/"+tok, strings.NewReader(`{"text":"hi"}`)), 403,
			map[string]string{"method": "POST", "path": "/services/T0001/B0002/" + tok}, ""},
		{"key in query", newRequest(t, "GET", base+"/v1/export?api-version=2024-01-01&sig="+tok+"&se=2030", nil), 403,
			map[string]string{"path": "/v1/export?api-version=2024-01-01&sig=" + tok + "&se=2030"}, ""},
		{"bearer token", bearer, 403, map[string]string{"auth_scheme": "Bearer"}, tok},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			sink.Reset()
			got := do(t, c, sc.req)
			if got.status != sc.wantStatus {
				t.Errorf("status %d; want %d", got.status, sc.wantStatus)
			}
			if sc.wantStatus == 401 && !strings.HasPrefix(got.wwwAuth, "Basic ") {
				t.Errorf("401 without a Basic challenge: %q", got.wwwAuth)
			}
			hits := sink.Hits()
			if len(hits) != 1 {
				t.Fatalf("%d hits; want 1", len(hits))
			}
			h := hits[0]
			if h.Kind != canary.KindHTTP || h.Token != tok {
				t.Errorf("hit kind %q token %q; want http, %q", h.Kind, h.Token, tok)
			}
			if h.Remote.Addr() != netip.MustParseAddr("127.0.0.1") || h.Remote.Port() == 0 {
				t.Errorf("remote %v; want 127.0.0.1 and the client's port", h.Remote)
			}
			if h.Detail["host"] != host || !strings.HasPrefix(h.Detail["user_agent"], "Go-http-client") {
				t.Errorf("host %q, user agent %q", h.Detail["host"], h.Detail["user_agent"])
			}
			for k, want := range sc.wantDetail {
				if h.Detail[k] != want {
					t.Errorf("detail %s = %q; want %q", k, h.Detail[k], want)
				}
			}
			for k, v := range h.Detail {
				if sc.secret != "" && strings.Contains(v, sc.secret) {
					t.Errorf("detail %s holds the credential: %q", k, v)
				}
			}
		})
	}
}

func TestAnswerRevealsNothing(t *testing.T) {
	failing := &canarytest.Sink{Err: errors.New("store down")}
	sink := &canarytest.Sink{}
	base := start(t, Config{}, sink)
	baseFailing := start(t, Config{}, failing)
	c := clientFrom("127.0.0.1")
	tok := canary.NewToken()
	want := do(t, c, newRequest(t, "GET", base+"/hooks/"+tok, nil))
	if want.status != 403 || !strings.Contains(want.body, `"code":"Forbidden"`) {
		t.Fatalf("answer %d %q; want 403 with a Forbidden JSON error", want.status, want.body)
	}
	for name, url := range map[string]string{
		"no token":      base + "/hooks/nothing-here",
		"sink fails":    baseFailing + "/hooks/" + tok,
		"large body":    base + "/hooks/" + tok,
		"probe of it /": base + "/",
	} {
		var body io.Reader
		if name == "large body" {
			// Past the limit, within socket buffers: the client is done
			// writing before the server hangs up.
			body = strings.NewReader(strings.Repeat("x", 2*maxBodyBytes))
		}
		if got := do(t, c, newRequest(t, "POST", url, body)); got != want {
			t.Errorf("%s: answer %+v; want the same as with a token, %+v", name, got, want)
		}
	}
	if n := len(failing.Hits()); n != 1 {
		t.Errorf("failing sink was handed %d hits; want 1", n)
	}
	for _, h := range sink.Hits() {
		if h.Token != "" && h.Token != tok {
			t.Errorf("hit with a token nobody sent: %q", h.Token)
		}
	}
}

func TestFloodFromOneAddressIsLimited(t *testing.T) {
	sink := &canarytest.Sink{}
	base := start(t, Config{PerAddress: canary.Limit{Rate: 0.001, Burst: 3}}, sink)
	flood := clientFrom("127.0.0.2")
	tok := canary.NewToken()
	for range 20 {
		if got := do(t, flood, newRequest(t, "GET", base+"/k/"+tok, nil)); got.status != 403 {
			t.Fatalf("limited request answered %d; want the same 403", got.status)
		}
	}
	if got := do(t, clientFrom("127.0.0.1"), newRequest(t, "GET", base+"/k/"+tok, nil)); got.status != 403 {
		t.Fatalf("status %d", got.status)
	}
	from := map[string]int{}
	for _, h := range sink.Hits() {
		from[h.Remote.Addr().String()]++
	}
	if from["127.0.0.2"] != 3 || from["127.0.0.1"] != 1 {
		t.Errorf("hits by source %v; want 3 from the flooding 127.0.0.2 (its burst) and 1 from 127.0.0.1", from)
	}
}

func TestOversizedHeadersAreRefused(t *testing.T) {
	sink := &canarytest.Sink{}
	base := start(t, Config{}, sink)
	req := newRequest(t, "GET", base+"/k/"+canary.NewToken(), nil)
	req.Header.Set("X-Padding", strings.Repeat("a", 64<<10))
	c := clientFrom("127.0.0.1")
	// The server answers 431 and hangs up while the client may still be
	// sending: the client sees the status or a reset, never a success.
	if resp, err := c.Do(req); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("status %d; want 431", resp.StatusCode)
		}
	}
	if n := len(sink.Hits()); n != 0 {
		t.Errorf("%d hits for a request refused before it was read; want 0", n)
	}
	if got := do(t, c, newRequest(t, "GET", base+"/k/x", nil)); got.status != http.StatusForbidden || len(sink.Hits()) != 1 {
		t.Errorf("after it: status %d, %d hits; want 403 and one hit", got.status, len(sink.Hits()))
	}
}

// A flood of connections from one address is capped at its share — the
// ones beyond are closed unserved — while another address still gets in
// and its use is a hit. Without a share per address the flood would hold
// every connection the listener serves.
func TestConnectionFloodFromOneAddressIsCapped(t *testing.T) {
	sink := &canarytest.Sink{}
	base := start(t, Config{Conns: canary.ConnLimit{Total: 4, PerAddress: 2}}, sink)
	addr := strings.TrimPrefix(base, "http://")
	canarytest.HoldConns(t, "127.0.0.2", addr, 2)
	for _, c := range canarytest.HoldConns(t, "127.0.0.2", addr, 3) {
		canarytest.Closed(t, c)
	}
	tok := canary.NewToken()
	if got := do(t, clientFrom("127.0.0.1"), newRequest(t, "GET", base+"/k/"+tok, nil)); got.status != http.StatusForbidden {
		t.Fatalf("status %d; want 403", got.status)
	}
	if hits := sink.Hits(); len(hits) != 1 || hits[0].Token != tok || hits[0].Remote.Addr() != netip.MustParseAddr("127.0.0.1") {
		t.Errorf("hits %+v; want one from 127.0.0.1 with its token", hits)
	}
}
