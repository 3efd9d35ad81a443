package awsemu

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// maxEventSize is the largest record EventBridge carries: bigger records
// reach neither CloudWatch Logs nor EventBridge.
const maxEventSize = 256 * 1024

// EventBridgeSink pushes each record the way an EventBridge rule with an
// API destination target does: one POST per event of
// {"version":"0","id","detail-type":"AWS API Call via CloudTrail",
// "source":"aws.secretsmanager","account","time","region","resources":[],
// "detail":{record}}, with the connection's API key as a header.
type EventBridgeSink struct {
	// URL is the API destination's endpoint.
	URL string
	// APIKeyName and APIKeyValue are the connection's API_KEY
	// authorization: the header name and its value.
	APIKeyName, APIKeyValue string
	// AllManagementEvents is the rule state
	// ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS: without it read-only
	// events (GetSecretValue, DescribeSecret, List*) never reach the rule.
	AllManagementEvents bool
	// Retries is how many times a 5xx answer or a connection error is
	// retried; zero means 3.
	Retries int
	// Client sends the requests; nil means http.DefaultClient.
	Client *http.Client
}

// EventEnvelope is the EventBridge event around a CloudTrail record.
type EventEnvelope struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Time       string          `json:"time"`
	Region     string          `json:"region"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
}

// Write implements Sink. A 4xx answer drops the event (EventBridge does
// not retry client errors); 5xx answers and connection errors are retried.
func (s *EventBridgeSink) Write(ctx context.Context, recs []Record) error {
	var errs []error
	for _, r := range recs {
		if r.ReadOnly && !s.AllManagementEvents || len(r.JSON) > maxEventSize {
			continue
		}
		var head struct {
			RecipientAccountID string `json:"recipientAccountId"`
		}
		_ = json.Unmarshal(r.JSON, &head)
		body, err := json.Marshal(EventEnvelope{Version: "0", ID: newUUID(), DetailType: "AWS API Call via CloudTrail",
			Source: "aws.secretsmanager", Account: head.RecipientAccountID, Time: r.Time.UTC().Format(trailTime),
			Region: r.Region, Resources: []string{}, Detail: r.JSON})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := s.post(ctx, body); err != nil {
			errs = append(errs, err)
		}
	}
	// Events already sent are not sent again: an error here is logged by
	// the emulator, and a retry of the whole batch would duplicate them.
	if len(errs) > 0 {
		return &permanentError{errors.Join(errs...)}
	}
	return nil
}

// post sends one event, retrying 5xx answers and connection errors with a
// short, growing pause.
func (s *EventBridgeSink) post(ctx context.Context, body []byte) error {
	retries := s.Retries
	if retries <= 0 {
		retries = 3
	}
	c := s.Client
	if c == nil {
		c = http.DefaultClient
	}
	var last error
	for attempt := 0; attempt <= retries; attempt++ {
		if attempt > 0 {
			select {
			case <-time.After(time.Duration(attempt) * 100 * time.Millisecond):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("awsemu: eventbridge sink: %w", err)
		}
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		req.Header.Set("User-Agent", "Amazon/EventBridge/ApiDestinations")
		if s.APIKeyName != "" {
			req.Header.Set(s.APIKeyName, s.APIKeyValue)
		}
		resp, err := c.Do(req)
		if err != nil {
			last = fmt.Errorf("awsemu: eventbridge sink: %w", err)
			continue
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		resp.Body.Close()
		switch {
		case resp.StatusCode < 300:
			return nil
		case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
			last = fmt.Errorf("awsemu: eventbridge sink: %s answered %s", redactURL(s.URL), resp.Status)
		default:
			return fmt.Errorf("awsemu: eventbridge sink: %s answered %s; event dropped", redactURL(s.URL), resp.Status)
		}
	}
	return last
}

// redactURL keeps a URL's scheme and host for logs: its path or query
// may carry a token.
func redactURL(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		if j := strings.IndexByte(u[i+3:], '/'); j >= 0 {
			return u[:i+3+j] + "/..."
		}
	}
	return u
}

// permanentError is a sink error the emulator must not retry.
type permanentError struct{ err error }

func (p *permanentError) Error() string { return p.err.Error() }
func (p *permanentError) Unwrap() error { return p.err }
