// Package slack posts incidents to a Slack incoming webhook
// (https://hooks.slack.com/services/...): a text fallback plus Block Kit
// blocks with the incident's facts, its alerts and a link.
package slack

import (
	"net/http"

	"github.com/honeyvault/honeyvault/internal/notify"
)

// Config is one incoming webhook. Its URL is a secret: keep it in the
// environment (url_env).
type Config struct {
	URL    string
	Client *http.Client // nil: notify.DefaultClient
}

// Validate reports what is wrong with c.
func (c Config) Validate() error {
	if err := notify.CheckURL("slack", c.URL); err != nil {
		return err
	}
	return nil
}
