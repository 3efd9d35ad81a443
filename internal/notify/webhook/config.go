// Package webhook posts incidents as JSON to any HTTP endpoint: the body is
// notify.Message (SPEC.md's {"incident": {...}, "alerts": [...]}), signed
// with X-Honeyvault-Signature: sha256=<hex HMAC-SHA256 of the body> when a
// secret is set, with the message's idempotency key in Idempotency-Key.
package webhook

import (
	"errors"
	"net/http"

	"github.com/honeyvault/honeyvault/internal/notify"
)

// Config is one webhook.
type Config struct {
	URL    string
	Secret string       // HMAC key; "" sends unsigned
	Client *http.Client // nil: notify.DefaultClient
}

// Validate reports what is wrong with c.
func (c Config) Validate() error {
	if err := notify.CheckURL("webhook", c.URL); err != nil {
		return err
	}
	if c.Secret != "" && len(c.Secret) < 16 {
		return errors.New("webhook: secret too short: use at least 16 characters")
	}
	return nil
}
