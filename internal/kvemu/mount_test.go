package kvemu

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestMount serves a host from a handler of another package's kind: the
// host resolves only once mounted, Request mints tokens for it, and the
// handler tells a missing, a forged and a valid token apart.
func TestMount(t *testing.T) {
	env := newTestEnv(t, Options{})
	hc := env.e.HTTPClient()
	if _, err := hc.Get("https://api.loganalytics.io/v1"); err == nil || !strings.Contains(err.Error(), "no such host") {
		t.Fatalf("an unmounted host resolved: %v", err)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		aud, err := env.e.Authenticate(r)
		switch {
		case errors.Is(err, ErrNoBearerToken):
			w.WriteHeader(http.StatusUnauthorized)
		case err != nil:
			w.WriteHeader(http.StatusForbidden)
		default:
			_, _ = io.WriteString(w, aud)
		}
	})
	tests := []struct {
		hosts   []string
		wantErr string
	}{
		{nil, "needs a handler and a host"},
		{[]string{"evil.example.com"}, "cannot mount evil.example.com"},
		{[]string{"management.azure.com"}, "cannot mount management.azure.com"},
		{[]string{"API.LogAnalytics.io", "api.loganalytics.azure.com"}, ""},
		{[]string{"api.loganalytics.azure.com"}, "mounted already"},
	}
	for _, tt := range tests {
		err := env.e.Mount(h, tt.hosts...)
		if (err == nil) != (tt.wantErr == "") || err != nil && !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("Mount(%v): %v; want error %q", tt.hosts, err, tt.wantErr)
		}
	}

	get := func(url, token string) (int, string) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctxT(t), http.MethodGet, url, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get("https://api.loganalytics.azure.com/v1", ""); code != http.StatusUnauthorized {
		t.Errorf("no token: %d", code)
	}
	if code, _ := get("https://api.loganalytics.io/v1", "e30.e30.e30"); code != http.StatusForbidden {
		t.Errorf("forged token: %d", code)
	}
	resp, err := env.e.Request(ctxT(t), admin, http.MethodGet, "https://api.loganalytics.azure.com/v1", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	// Request asks for the first mounted host's audience, whichever host it calls.
	if b, _ := io.ReadAll(resp.Body); resp.StatusCode != http.StatusOK || string(b) != "https://api.loganalytics.io" {
		t.Errorf("Request: %d %q", resp.StatusCode, b)
	}
}
