package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// A flood of sign-in attempts cannot grow the audit trail without limit:
// the attempts the rate limit lets through are audited one by one (they are
// evidence), the ones it refuses are counted into one entry per client and
// window, saying how many were refused from where. Before, every refused
// attempt wrote its own row (5,000 in 2.3 s).
func TestLoginFloodLeavesBoundedAuditTrail(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		const attempts, senders = 2000, 8
		srv := startServer(t, dsn, "HONEYVAULT_LIMITS_LOGIN=10/1m", "HONEYVAULT_LOG_LEVEL=warn")

		// A browser's sign-in form: the pre-session cookie and its CSRF token,
		// so that the attempts the limit lets through are real sign-ins with a
		// wrong token.
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.Get(srv.URL + "/login")
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindSubmatch(page)
		if m == nil {
			t.Fatalf("no CSRF token on the sign-in page:\n%s", page)
		}
		form := url.Values{"csrf_token": {string(m[1])}, "token": {"guessed-token-0123456789"}}.Encode()

		var codes sync.Map // status → *atomic.Int64
		var next atomic.Int64
		var wg sync.WaitGroup
		for range senders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for next.Add(1) <= attempts {
					resp, err := c.Post(srv.URL+"/login", "application/x-www-form-urlencoded", strings.NewReader(form))
					if err != nil {
						t.Errorf("POST /login: %v", err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					n, _ := codes.LoadOrStore(resp.StatusCode, new(atomic.Int64))
					n.(*atomic.Int64).Add(1)
				}
			}()
		}
		wg.Wait()
		count := func(code int) int64 {
			if n, ok := codes.Load(code); ok {
				return n.(*atomic.Int64).Load()
			}
			return 0
		}
		let, refused := count(http.StatusUnauthorized), count(http.StatusTooManyRequests)
		if let+refused != attempts || let > 10 || refused < attempts-10 {
			t.Fatalf("answers: %d × 401, %d × 429 of %d; want at most 10 let through (limit 10/1m), the rest refused", let, refused, attempts)
		}

		// The window is a minute: a graceful stop records the open one.
		srv.Stop()
		srv.Restart()
		var all struct {
			Entries []struct {
				Action     string `json:"action"`
				Detail     string `json:"detail"`
				RemoteAddr string `json:"remote_addr"`
			} `json:"entries"`
		}
		apiGet(t, srv, "/api/v1/audit?limit=1000", &all)
		var failed, limited int
		var aggregate string
		for _, e := range all.Entries {
			switch e.Action {
			case "auth.sign_in_failed":
				failed++
			case "auth.sign_in_rate_limited":
				limited++
				aggregate = e.Detail
				if e.RemoteAddr != "127.0.0.1" {
					t.Errorf("aggregate entry from %q; want the flooding client 127.0.0.1", e.RemoteAddr)
				}
			}
		}
		if len(all.Entries) > 20 {
			t.Errorf("%d audit entries after %d sign-in attempts; want a bounded number", len(all.Entries), attempts)
		}
		if failed != int(let) {
			t.Errorf("%d auth.sign_in_failed entries; want one per attempt let through (%d)", failed, let)
		}
		if want := fmt.Sprintf("%d sign-in attempts refused", refused); limited != 1 || !strings.Contains(aggregate, want) {
			t.Errorf("%d auth.sign_in_rate_limited entries, last %q; want one saying %q", limited, aggregate, want)
		}
	})
}
