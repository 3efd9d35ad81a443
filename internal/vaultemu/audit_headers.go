package vaultemu

import (
	"errors"
	"net/http"
	"slices"
	"strings"
)

// Audited request headers: Vault logs none by default; each header named
// through sys/config/auditing/request-headers/{name} (or
// [Server.AuditRequestHeader]) then appears in request.headers, lower-cased,
// as a list of values, HMAC'd when asked.

// auditedHeaders maps a lower-case header name to whether it is HMAC'd.
type auditedHeaders map[string]bool

// AuditRequestHeader makes every later audit entry carry the request
// header name (HMAC'd when hmac is set), as Vault's
// sys/config/auditing/request-headers does.
func (s *Server) AuditRequestHeader(name string, hmac bool) error {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" || strings.ContainsAny(name, " :/\t") {
		return errInvalidHeader
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.headers == nil {
		s.headers = auditedHeaders{}
	}
	s.headers[name] = hmac
	return nil
}

var errInvalidHeader = errors.New("vaultemu: invalid header name")

// auditedHeaderValues picks the configured headers of r, in clear; the
// devices HMAC those marked so.
func (s *Server) auditedHeaderValues(r *http.Request) map[string]headerValues {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out map[string]headerValues
	for name, hmac := range s.headers {
		vs := r.Header.Values(name)
		if len(vs) == 0 {
			continue
		}
		if out == nil {
			out = map[string]headerValues{}
		}
		out[name] = headerValues{values: slices.Clone(vs), hmac: hmac}
	}
	return out
}

// headerValues are one audited header's values and whether to HMAC them.
type headerValues struct {
	values []string
	hmac   bool
}

// headersCall answers sys/config/auditing/request-headers[/{name}]: GET
// lists the audited headers, PUT/POST {"hmac":bool} adds one, DELETE
// removes one.
func (s *Server) headersCall(c *call, name string) reply {
	switch {
	case name == "" && c.op == OpRead:
		s.mu.Lock()
		defer s.mu.Unlock()
		headers := map[string]any{}
		for h, hmac := range s.headers {
			headers[h] = map[string]any{"hmac": hmac}
		}
		return ok(map[string]any{"headers": headers})
	case name != "" && (c.op == OpUpdate || c.op == OpCreate):
		hmac := false
		if v, sent := c.data["hmac"]; sent {
			b, err := boolValue(v)
			if err != nil {
				return errReply(http.StatusBadRequest, "hmac must be a boolean")
			}
			hmac = b
		}
		if err := s.AuditRequestHeader(name, hmac); err != nil {
			return errReply(http.StatusBadRequest, "invalid header name")
		}
		return noContent()
	case name != "" && c.op == OpDelete:
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.headers, strings.ToLower(name))
		return noContent()
	}
	return errReply(http.StatusMethodNotAllowed, "unsupported operation")
}
