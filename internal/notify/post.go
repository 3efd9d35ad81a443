package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// DefaultClient sends notifications over HTTP: no cookies, redirects not
// followed (a webhook that moved should be reconfigured, not chased with a
// signed body).
var DefaultClient = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// Post sends body to rawURL with header and classifies the outcome: any
// 2xx is success; transport errors, 408, 425, 429 and 5xx are retryable;
// other statuses are permanent. Errors name the URL's scheme and host only:
// Slack and Teams URLs carry their secret in the path.
func Post(ctx context.Context, client *http.Client, rawURL string, body []byte, header http.Header) (retry bool, err error) {
	if client == nil {
		client = DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		return false, fmt.Errorf("POST %s: bad URL", RedactURL(rawURL))
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return true, fmt.Errorf("POST %s: %w", RedactURL(rawURL), err)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return false, nil
	}
	msg := strings.TrimSpace(strings.ToValidUTF8(string(snippet), "?"))
	err = fmt.Errorf("POST %s: %s: %q", RedactURL(rawURL), resp.Status, msg)
	switch {
	case resp.StatusCode == http.StatusRequestTimeout, resp.StatusCode == http.StatusTooEarly,
		resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode >= 500:
		return true, err
	}
	return false, err
}

// RedactURL keeps a URL's scheme and host: its path, query and user info
// may hold secrets.
func RedactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "(url)"
	}
	return u.Scheme + "://" + u.Host + "/…"
}

// CheckURL reports, for the channel named, whether rawURL is an http(s) URL
// with a host; the error shows only the scheme and host.
func CheckURL(channel, rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s: url %s is not an http(s) URL", channel, RedactURL(rawURL))
	}
	return nil
}

// PostJSON posts v as JSON with Post.
func PostJSON(ctx context.Context, client *http.Client, rawURL string, v any) (retry bool, err error) {
	body, err := json.Marshal(v)
	if err != nil {
		return false, err
	}
	return Post(ctx, client, rawURL, body, http.Header{"Content-Type": {"application/json"}})
}
