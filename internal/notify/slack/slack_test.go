package slack

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/notify"
)

func TestSlackIncomingWebhook(t *testing.T) {
	got := make(chan []byte, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/services/T000/B000/XXXX" || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "no_service", http.StatusNotFound)
			return
		}
		b, _ := io.ReadAll(r.Body)
		got <- b
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	n, err := New(Config{URL: srv.URL + "/services/T000/B000/XXXX"})
	if err != nil {
		t.Fatal(err)
	}
	m := notify.TestMessage("https://hv.example.com", time.Now())
	m.Alerts[0].Token = "<script>&"
	if _, err := n.Notify(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	var p Payload
	if err := json.Unmarshal(<-got, &p); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.Text, m.Incident.Title) || !strings.Contains(p.Text, "<https://hv.example.com/incidents|open>") {
		t.Errorf("text: %q", p.Text)
	}
	if len(p.Blocks) != 4 || p.Blocks[0].Type != "header" || p.Blocks[0].Text.Text != m.Incident.Title {
		t.Fatalf("blocks: %+v", p.Blocks)
	}
	if s := p.Blocks[2].Text.Text; !strings.Contains(s, "&lt;script&gt;&amp;") || strings.Contains(s, "<script>") {
		t.Errorf("alert line not escaped for mrkdwn: %q", s)
	}
	// A revoked webhook is permanent.
	bad, _ := New(Config{URL: srv.URL + "/services/revoked"})
	if retry, err := bad.Notify(context.Background(), m); err == nil || retry {
		t.Errorf("revoked webhook: retry=%v err=%v; want a permanent error", retry, err)
	}
}
