package teams

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/notify"
)

func TestTeamsWorkflowAdaptiveCard(t *testing.T) {
	got := make(chan []byte, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- b
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	n, err := New(Config{URL: srv.URL + "/workflows/abc/triggers/manual/paths/invoke?sig=s3cr3t"})
	if err != nil {
		t.Fatal(err)
	}
	m := notify.TestMessage("https://hv.example.com", time.Now())
	if _, err := n.Notify(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	var env struct {
		Type        string `json:"type"`
		Attachments []struct {
			ContentType string `json:"contentType"`
			Content     struct {
				Type    string           `json:"type"`
				Version string           `json:"version"`
				Body    []map[string]any `json:"body"`
				Actions []map[string]any `json:"actions"`
			} `json:"content"`
		} `json:"attachments"`
	}
	if err := json.Unmarshal(<-got, &env); err != nil {
		t.Fatal(err)
	}
	if env.Type != "message" || len(env.Attachments) != 1 || env.Attachments[0].ContentType != "application/vnd.microsoft.card.adaptive" {
		t.Fatalf("envelope: %+v", env)
	}
	c := env.Attachments[0].Content
	if c.Type != "AdaptiveCard" || c.Version != "1.4" || c.Body[0]["text"] != m.Incident.Title || c.Body[1]["type"] != "FactSet" {
		t.Errorf("card: %+v", c)
	}
	if len(c.Actions) != 1 || c.Actions[0]["url"] != "https://hv.example.com/incidents" || c.Actions[0]["type"] != "Action.OpenUrl" {
		t.Errorf("actions: %+v", c.Actions)
	}
}

func TestTeamsServerErrorIsRetryable(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "busy", http.StatusBadGateway)
	}))
	defer srv.Close()
	n, _ := New(Config{URL: srv.URL})
	if retry, err := n.Notify(context.Background(), notify.TestMessage("http://x", time.Now())); err == nil || !retry {
		t.Errorf("502: retry=%v err=%v; want retryable", retry, err)
	}
}
