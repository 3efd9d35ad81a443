package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/notify"
)

const secret = "0123456789abcdef-webhook-secret"

type received struct {
	header http.Header
	body   []byte
}

func receiver(t *testing.T, status int) (*httptest.Server, chan received) {
	t.Helper()
	got := make(chan received, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- received{r.Header.Clone(), body}
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

func TestWebhookPostsTheSpecPayloadSigned(t *testing.T) {
	srv, got := receiver(t, http.StatusOK)
	n, err := New(Config{URL: srv.URL + "/hook", Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	m := notify.TestMessage("https://hv.example.com", time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC))
	if retry, err := n.Notify(context.Background(), m); err != nil {
		t.Fatalf("notify: %v (retry %v)", err, retry)
	}
	r := <-got
	// The receiver checks the signature the way SPEC.md defines it.
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(r.body)
	if got, want := r.header.Get("X-Honeyvault-Signature"), "sha256="+hex.EncodeToString(mac.Sum(nil)); got != want {
		t.Errorf("signature: got %q; want %q", got, want)
	}
	if !Verify([]byte(secret), r.body, r.header.Get(SignatureHeader)) || Verify([]byte("another-secret-0000"), r.body, r.header.Get(SignatureHeader)) {
		t.Error("Verify disagrees with the signature")
	}
	if got, want := r.header.Get("Idempotency-Key"), m.IdempotencyKey; got != want {
		t.Errorf("idempotency key: got %q; want %q", got, want)
	}
	var body struct {
		Incident map[string]any   `json:"incident"`
		Alerts   []map[string]any `json:"alerts"`
		Key      string           `json:"idempotency_key"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "title", "severity", "status", "vault_id", "first_seen", "last_seen", "url"} {
		if _, ok := body.Incident[k]; !ok {
			t.Errorf("incident lacks %q: %v", k, body.Incident)
		}
	}
	if len(body.Alerts) != 1 {
		t.Fatalf("alerts: %v", body.Alerts)
	}
	for _, k := range []string{"correlation_id", "time", "token", "token_type", "operation", "status", "caller"} {
		if _, ok := body.Alerts[0][k]; !ok {
			t.Errorf("alert lacks %q: %v", k, body.Alerts[0])
		}
	}
	caller, _ := body.Alerts[0]["caller"].(map[string]any)
	for _, k := range []string{"object_id", "upn", "app_id", "ip"} {
		if _, ok := caller[k]; !ok {
			t.Errorf("caller lacks %q: %v", k, caller)
		}
	}
	if body.Key != m.IdempotencyKey {
		t.Errorf("payload idempotency key %q", body.Key)
	}
}

func TestWebhookUnsignedWithoutSecret(t *testing.T) {
	srv, got := receiver(t, http.StatusAccepted)
	n, _ := New(Config{URL: srv.URL})
	if _, err := n.Notify(context.Background(), notify.TestMessage("http://x", time.Now())); err != nil {
		t.Fatal(err)
	}
	if r := <-got; r.header.Get(SignatureHeader) != "" {
		t.Error("signed without a secret")
	}
}

func TestWebhookFailuresAreClassified(t *testing.T) {
	tests := []struct {
		status    int
		wantRetry bool
	}{
		{http.StatusInternalServerError, true},
		{http.StatusServiceUnavailable, true},
		{http.StatusTooManyRequests, true},
		{http.StatusRequestTimeout, true},
		{http.StatusBadRequest, false},
		{http.StatusUnauthorized, false},
		{http.StatusNotFound, false},
		{http.StatusMovedPermanently, false},
	}
	for _, tt := range tests {
		srv, _ := receiver(t, tt.status)
		n, _ := New(Config{URL: srv.URL + "/secret-path-token"})
		retry, err := n.Notify(context.Background(), notify.TestMessage("http://x", time.Now()))
		if err == nil || retry != tt.wantRetry {
			t.Errorf("status %d: got retry=%v err=%v; want retry=%v and an error", tt.status, retry, err, tt.wantRetry)
		}
		if err != nil && strings.Contains(err.Error(), "secret-path-token") {
			t.Errorf("error shows the URL's path: %v", err)
		}
	}
	// Nothing listening: retryable.
	srv, _ := receiver(t, 200)
	url := srv.URL
	srv.Close()
	n, _ := New(Config{URL: url})
	if retry, err := n.Notify(context.Background(), notify.TestMessage("http://x", time.Now())); err == nil || !retry {
		t.Errorf("refused connection: retry=%v err=%v; want retryable", retry, err)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []Config{{URL: "ftp://x"}, {URL: ""}, {URL: "http://x", Secret: "short"}} {
		if _, err := New(c); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

// Verify reports whether header (an X-Honeyvault-Signature value) signs
// body under secret, in constant time: what a receiver does.
func Verify(secret, body []byte, header string) bool {
	got, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return false
	}
	sig, err := hex.DecodeString(got)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return hmac.Equal(sig, mac.Sum(nil))
}
