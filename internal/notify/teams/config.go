// Package teams posts incidents to a Microsoft Teams workflow webhook (the
// Workflows app's "Post to a channel when a webhook request is received"),
// as an Adaptive Card with the incident's facts, its alerts and a button to
// open it.
package teams

import (
	"net/http"

	"github.com/honeyvault/honeyvault/internal/notify"
)

// Config is one workflow webhook. Its URL carries a signature: keep it in
// the environment (url_env).
type Config struct {
	URL    string
	Client *http.Client // nil: notify.DefaultClient
}

// Validate reports what is wrong with c.
func (c Config) Validate() error {
	if err := notify.CheckURL("teams", c.URL); err != nil {
		return err
	}
	return nil
}
