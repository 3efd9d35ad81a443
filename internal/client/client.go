// Package client talks to a running honeyvault server's REST API, as the
// command line's incidents and honeytokens verbs do. The address and token
// come from HONEYVAULT_ADDR (default http://127.0.0.1:8080) and
// HONEYVAULT_TOKEN, as the vault and kubectl command lines take theirs.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/api"
)

// Environment variables the client reads.
const (
	AddrEnv     = "HONEYVAULT_ADDR"
	TokenEnv    = "HONEYVAULT_TOKEN"
	DefaultAddr = "http://127.0.0.1:8080"
)

// Client calls one server. The zero value is not usable; use New or
// FromEnv.
type Client struct {
	Addr  string // base URL: http(s)://HOST:PORT
	Token string // bearer token
	HTTP  *http.Client
}

// New returns a client for addr with token, validating addr.
func New(addr, token string) (*Client, error) {
	addr = strings.TrimRight(strings.TrimSpace(addr), "/")
	u, err := url.Parse(addr)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("client: %s %q is not an http(s)://HOST:PORT address", AddrEnv, addr)
	}
	return &Client{Addr: addr, Token: token, HTTP: &http.Client{Timeout: 60 * time.Second}}, nil
}

// FromEnv builds a client from HONEYVAULT_ADDR and HONEYVAULT_TOKEN, addr
// overriding the former when not empty.
func FromEnv(getenv func(string) string, addr string) (*Client, error) {
	if addr == "" {
		addr = getenv(AddrEnv)
	}
	if addr == "" {
		addr = DefaultAddr
	}
	c, err := New(addr, getenv(TokenEnv))
	if err != nil {
		return nil, err
	}
	if c.Token == "" {
		return nil, fmt.Errorf("client: set %s to an API token (honeyvault token create, or the admin token)", TokenEnv)
	}
	return c, nil
}

// Error is an error answer of the API.
type Error struct {
	Status  int
	Message string
}

// Error formats the error for people.
func (e *Error) Error() string { return fmt.Sprintf("server answered %d: %s", e.Status, e.Message) }

// do sends a request with an optional JSON body and decodes a JSON answer
// into out.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Addr+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("client: %s %s: %w", method, c.Addr, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("client: reading the answer: %w", err)
	}
	if resp.StatusCode >= 300 {
		var e api.Error
		if json.Unmarshal(data, &e) != nil || e.Error == "" {
			e.Error = strings.TrimSpace(string(data[:min(len(data), 200)]))
		}
		return &Error{Status: resp.StatusCode, Message: e.Error}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("client: unexpected answer from %s: %w", c.Addr, err)
	}
	return nil
}

// IncidentQuery filters ListIncidents; zero fields do not filter.
type IncidentQuery struct {
	Status, Severity, Vault string
	Limit                   int
	Before                  int64
}

// ListIncidents is GET /api/v1/incidents.
func (c *Client) ListIncidents(ctx context.Context, q IncidentQuery) (api.IncidentList, error) {
	v := url.Values{}
	for k, s := range map[string]string{"status": q.Status, "severity": q.Severity, "vault": q.Vault} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Before > 0 {
		v.Set("before", strconv.FormatInt(q.Before, 10))
	}
	var out api.IncidentList
	err := c.do(ctx, "GET", "/api/v1/incidents?"+v.Encode(), nil, &out)
	return out, err
}

// GetIncident is GET /api/v1/incidents/{id}; window ("" for the server's
// default) is the related-activity window.
func (c *Client) GetIncident(ctx context.Context, id int64, window string) (api.IncidentDetail, error) {
	path := "/api/v1/incidents/" + strconv.FormatInt(id, 10)
	if window != "" {
		path += "?window=" + url.QueryEscape(window)
	}
	var out api.IncidentDetail
	err := c.do(ctx, "GET", path, nil, &out)
	return out, err
}

func (c *Client) change(ctx context.Context, id int64, verb string, body any) (api.Incident, error) {
	var out api.Incident
	err := c.do(ctx, "POST", "/api/v1/incidents/"+strconv.FormatInt(id, 10)+"/"+verb, body, &out)
	return out, err
}

// CloseIncident closes incident id.
func (c *Client) CloseIncident(ctx context.Context, id int64, r api.CloseRequest) (api.Incident, error) {
	return c.change(ctx, id, "close", r)
}

// CommentIncident adds a comment to incident id.
func (c *Client) CommentIncident(ctx context.Context, id int64, comment string) (api.Incident, error) {
	return c.change(ctx, id, "comment", api.CommentRequest{Comment: comment})
}

// AssignIncident gives incident id to owner ("" unassigns).
func (c *Client) AssignIncident(ctx context.Context, id int64, owner string) (api.Incident, error) {
	return c.change(ctx, id, "assign", api.AssignRequest{Owner: owner})
}

// ReopenIncident reopens closed incident id.
func (c *Client) ReopenIncident(ctx context.Context, id int64, comment string) (api.Incident, error) {
	return c.change(ctx, id, "reopen", api.ReopenRequest{Comment: comment})
}

// HoneytokenQuery filters ListHoneytokens.
type HoneytokenQuery struct {
	Status, Type, VaultID string
}

// ListHoneytokens is GET /api/v1/honeytokens, every page.
func (c *Client) ListHoneytokens(ctx context.Context, q HoneytokenQuery) ([]api.Honeytoken, error) {
	var all []api.Honeytoken
	for after := int64(0); ; {
		v := url.Values{}
		for k, s := range map[string]string{"status": q.Status, "type": q.Type, "vault_id": q.VaultID} {
			if s != "" {
				v.Set(k, s)
			}
		}
		if after > 0 {
			v.Set("after", strconv.FormatInt(after, 10))
		}
		var page api.HoneytokenList
		if err := c.do(ctx, "GET", "/api/v1/honeytokens?"+v.Encode(), nil, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Honeytokens...)
		if page.NextAfter == 0 || len(page.Honeytokens) == 0 {
			return all, nil
		}
		after = page.NextAfter
	}
}
