package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"

	"github.com/honeyvault/honeyvault/internal/notify"
)

// SignatureHeader carries the body's HMAC.
const SignatureHeader = "X-Honeyvault-Signature"

// Notifier posts messages to one webhook.
type Notifier struct{ c Config }

// New validates c and returns its notifier.
func New(c Config) (*Notifier, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &Notifier{c: c}, nil
}

// Notify posts m. Transport errors, 408, 429 and 5xx are retryable.
func (n *Notifier) Notify(ctx context.Context, m *notify.Message) (bool, error) {
	body, err := json.Marshal(m)
	if err != nil {
		return false, err
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "honeyvault")
	h.Set("Idempotency-Key", m.IdempotencyKey)
	h.Set("X-Honeyvault-Event", "incident."+m.Kind)
	if n.c.Secret != "" {
		h.Set(SignatureHeader, Sign([]byte(n.c.Secret), body))
	}
	return notify.Post(ctx, n.c.Client, n.c.URL, body, h)
}

// Sign returns the signature header value for body: "sha256=" and the hex
// HMAC-SHA256 of body under secret.
func Sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}
