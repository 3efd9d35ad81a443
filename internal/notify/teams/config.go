// Package teams posts incidents to a Microsoft Teams workflow webhook (the
// Workflows app's "Post to a channel when a webhook request is received"),
// as an Adaptive Card with the incident's facts, its alerts and a button to
// open it.
package teams

import (
	"fmt"
	"net/http"
	"net/url"

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
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("teams: url %s is not an http(s) URL", notify.RedactURL(c.URL))
	}
	return nil
}
