package notify_test

import (
	"net/http"
	"testing"

	"github.com/honeyvault/honeyvault/internal/notify"
	"github.com/honeyvault/honeyvault/internal/notify/webhook"
)

func httpHandlerFunc(wait func()) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { wait() })
}

func mustWebhook(t *testing.T, url string) notify.Notifier {
	t.Helper()
	n, err := webhook.New(webhook.Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
