package kvemu

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// HTTPSink POSTs each batch as {"records":[...]} (the Event Hubs and
// legacy archive envelope) to URL, the way a log-forwarding function
// would push to honeyvault's ingest endpoint.
type HTTPSink struct {
	URL string
	// BearerToken, when set, is sent as "Authorization: Bearer ...".
	BearerToken string
	// Header holds extra request headers.
	Header http.Header
	// Client sends the requests; nil means http.DefaultClient.
	Client *http.Client
}

// Envelope is the {"records":[...]} document Azure Monitor writes to Event
// Hubs (and wrote to storage archives before late 2018).
type Envelope struct {
	Records []json.RawMessage `json:"records"`
}

// MarshalEnvelope encodes b's records as one Envelope, the body of an
// Event Hubs message or an HTTP push.
func (b Batch) MarshalEnvelope() ([]byte, error) {
	env := Envelope{Records: make([]json.RawMessage, len(b.Records))}
	for i, r := range b.Records {
		env.Records[i] = r.JSON
	}
	return json.Marshal(env)
}

// Write implements Sink. Any status but 2xx is an error, so the batch is
// retried.
func (h *HTTPSink) Write(ctx context.Context, b Batch) error {
	body, err := b.MarshalEnvelope()
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("kvemu: http sink: %w", err)
	}
	for k, vs := range h.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	req.Header.Set("Content-Type", "application/json")
	if h.BearerToken != "" {
		req.Header.Set("Authorization", "Bearer "+h.BearerToken)
	}
	c := h.Client
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("kvemu: http sink: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("kvemu: http sink: %s answered %s", h.URL, resp.Status)
	}
	return nil
}
