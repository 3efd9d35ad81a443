package kvemu

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Request sends one raw HTTP request as id, with a bearer token for the
// host's audience (a vault, ARM or a mounted service), through HTTPClient. The
// URL goes out exactly as given (percent-encoding, ":443", odd casing), so
// tests can produce the request URIs attackers and odd clients send and see
// how they are logged. The caller closes the response body.
func (e *Emulator) Request(ctx context.Context, id Identity, method, rawURL string, body []byte) (*http.Response, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("kvemu: request URL: %w", err)
	}
	host := strings.ToLower(u.Hostname())
	var audience string
	switch m := e.mounted(host); {
	case strings.HasPrefix(host, "management."):
		audience = "https://management.azure.com/"
	case m != nil:
		audience = m.audience
	default:
		_, suffix, ok := splitVaultHost(host)
		if !ok {
			return nil, fmt.Errorf("kvemu: %s is not an emulated host", host)
		}
		audience = "https://" + suffix
	}
	tok, err := e.Token(id, audience)
	if err != nil {
		return nil, err
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, rd)
	if err != nil {
		return nil, fmt.Errorf("kvemu: request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return e.HTTPClient().Do(req)
}
