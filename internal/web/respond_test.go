package web

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// A server error is logged with the route pattern that matched, never the
// raw path: paths may name a decoy or carry an id an attacker chose.
func TestServerErrorsLogTheRouteNotThePath(t *testing.T) {
	var logs lockedBuffer
	e := newEnv(t, func(_ *env, o *Options) { o.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	e.st.Close() // every read now fails: a server error
	resp, body := e.request(nil, "GET", "/api/v1/incidents/4242", adminToken, nil)
	if resp.StatusCode != 500 || strings.Contains(body, "sql") {
		t.Fatalf("got %d %s; want 500 without internal details", resp.StatusCode, body)
	}
	got := logs.String()
	if !strings.Contains(got, "route=\"GET /api/v1/incidents/{id}\"") {
		t.Errorf("log lacks the route pattern:\n%s", got)
	}
	if strings.Contains(got, "4242") {
		t.Errorf("log carries the raw path:\n%s", got)
	}
}
