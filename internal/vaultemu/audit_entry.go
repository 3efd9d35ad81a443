package vaultemu

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"slices"
	"time"
)

// AuditEntry is one line of an audit device, field for field as Vault's
// json format writes it (every field omitted when empty).
type AuditEntry struct {
	Time     string         `json:"time"` // RFC 3339, nanoseconds, UTC
	Type     string         `json:"type"` // request or response
	Auth     *AuditAuth     `json:"auth,omitempty"`
	Request  *AuditRequest  `json:"request,omitempty"`
	Response *AuditResponse `json:"response,omitempty"`
	Error    string         `json:"error,omitempty"`
}

// AuditAuth is the caller's token as an audit entry shows it.
type AuditAuth struct {
	ClientToken    string             `json:"client_token,omitempty"` // HMAC'd
	Accessor       string             `json:"accessor,omitempty"`     // HMAC'd unless hmac_accessor=false
	DisplayName    string             `json:"display_name,omitempty"`
	Policies       []string           `json:"policies,omitempty"`
	TokenPolicies  []string           `json:"token_policies,omitempty"`
	PolicyResults  *AuditPolicyResult `json:"policy_results,omitempty"`
	Metadata       map[string]string  `json:"metadata,omitempty"`
	EntityID       string             `json:"entity_id,omitempty"`
	TokenType      string             `json:"token_type,omitempty"`
	TokenIssueTime string             `json:"token_issue_time,omitempty"`
}

// AuditPolicyResult says whether the ACL check let the request through.
type AuditPolicyResult struct {
	Allowed bool `json:"allowed"`
}

// AuditRequest is the request part of an entry; Path, Operation and the
// mount fields are clear, ClientToken, ClientTokenAccessor and every
// string of Data HMAC'd.
type AuditRequest struct {
	ID                  string              `json:"id,omitempty"`
	ClientID            string              `json:"client_id,omitempty"` // the entity id, when the token has one
	Operation           string              `json:"operation,omitempty"`
	MountPoint          string              `json:"mount_point,omitempty"`
	MountType           string              `json:"mount_type,omitempty"`
	MountAccessor       string              `json:"mount_accessor,omitempty"`
	ClientToken         string              `json:"client_token,omitempty"`
	ClientTokenAccessor string              `json:"client_token_accessor,omitempty"`
	Namespace           *AuditNamespace     `json:"namespace,omitempty"`
	Path                string              `json:"path,omitempty"`
	Data                map[string]any      `json:"data,omitempty"`
	RemoteAddress       string              `json:"remote_address,omitempty"`
	RemotePort          int                 `json:"remote_port,omitempty"`
	Headers             map[string][]string `json:"headers,omitempty"` // only those configured for audit
}

// AuditNamespace is the request's namespace; always the root here.
type AuditNamespace struct {
	ID   string `json:"id"`
	Path string `json:"path,omitempty"`
}

// AuditResponse is the response part of a response entry; every string of
// Data is HMAC'd.
type AuditResponse struct {
	MountPoint    string         `json:"mount_point,omitempty"`
	MountType     string         `json:"mount_type,omitempty"`
	MountAccessor string         `json:"mount_accessor,omitempty"`
	Data          map[string]any `json:"data,omitempty"`
	Warnings      []string       `json:"warnings,omitempty"`
}

// logInput is what one call contributes to its two entries.
type logInput struct {
	call   *call
	route  route
	reply  *reply // nil in the request entry
	err    string // the entry's error
	denied bool   // the ACL check refused the call
	probe  bool   // the test entry a device gets when enabled
}

// format renders the entry of typ for this device: HMACs with its salt,
// its options applied.
func (d *auditDevice) format(typ string, in logInput, now time.Time) AuditEntry {
	e := AuditEntry{Time: now.UTC().Format(timeLayout), Type: typ, Error: in.err}
	if in.probe {
		e.Request = &AuditRequest{Operation: OpUpdate, Namespace: &AuditNamespace{ID: "root"}, Path: "sys/audit/test"}
		return e
	}
	c, rt := in.call, in.route
	hash, hashAccessor := d.hash, d.hash
	if d.logRaw {
		hash = func(s string) string { return s }
	}
	if !d.hmacAccessor || d.logRaw {
		hashAccessor = func(s string) string { return s }
	}
	e.Auth = &AuditAuth{TokenType: "default"}
	if t := c.token; t != nil {
		e.Auth = &AuditAuth{
			ClientToken: hash(t.ID), Accessor: hashAccessor(t.Accessor), DisplayName: t.DisplayName,
			Policies: slices.Clone(t.Policies), TokenPolicies: slices.Clone(t.Policies),
			PolicyResults: &AuditPolicyResult{Allowed: !in.denied},
			Metadata:      maps.Clone(t.Metadata), EntityID: t.EntityID, TokenType: "service",
			TokenIssueTime: t.IssueTime.UTC().Format(time.RFC3339),
		}
	}
	e.Request = &AuditRequest{
		ID: c.id, Operation: c.op, MountPoint: rt.mountPoint, MountType: rt.mountType, MountAccessor: rt.mountAccessor,
		Namespace: &AuditNamespace{ID: "root"}, Path: c.path, RemoteAddress: c.remote, RemotePort: c.port,
	}
	if c.rawToken != "" {
		e.Request.ClientToken = hash(c.rawToken)
	}
	if c.token != nil {
		e.Request.ClientTokenAccessor = hashAccessor(c.token.Accessor)
		e.Request.ClientID = c.token.EntityID
	}
	if d, ok := hashStrings(c.data, hash).(map[string]any); ok && len(d) > 0 {
		e.Request.Data = d
	}
	for name, hv := range c.headers {
		if e.Request.Headers == nil {
			e.Request.Headers = map[string][]string{}
		}
		vs := slices.Clone(hv.values)
		if hv.hmac {
			for i, v := range vs {
				vs[i] = hash(v)
			}
		}
		e.Request.Headers[name] = vs
	}
	if in.reply != nil {
		e.Response = &AuditResponse{MountPoint: rt.mountPoint, MountType: rt.mountType, MountAccessor: rt.mountAccessor, Warnings: in.reply.warnings}
		data := in.reply.data
		if d.elide && c.op == OpList {
			data = elideList(data)
		}
		if h, ok := hashStrings(data, hash).(map[string]any); ok && len(h) > 0 {
			e.Response.Data = h
		}
	}
	return e
}

// hash is the device's HMAC of s: "hmac-sha256:" and 64 hex digits.
func (d *auditDevice) hash(s string) string {
	m := hmac.New(sha256.New, d.salt)
	m.Write([]byte(s))
	return "hmac-sha256:" + hex.EncodeToString(m.Sum(nil))
}

// hashStrings copies v with every string leaf passed through hash;
// numbers, booleans and nulls stay as they are.
func hashStrings(v any, hash func(string) string) any {
	switch t := v.(type) {
	case string:
		return hash(t)
	case map[string]any:
		if t == nil {
			return nil
		}
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = hashStrings(e, hash)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = hashStrings(e, hash)
		}
		return out
	case map[string]string:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = hash(e)
		}
		return out
	case []string:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = hash(e)
		}
		return out
	}
	return v
}

// elideList replaces a list answer's keys (and key_info) by their count,
// as elide_list_responses does.
func elideList(data map[string]any) map[string]any {
	if data == nil {
		return nil
	}
	out := maps.Clone(data)
	if k, ok := data["keys"].([]any); ok {
		out["keys"] = len(k)
	}
	if k, ok := data["key_info"].(map[string]any); ok {
		out["key_info"] = len(k)
	}
	return out
}

// encodeEntry is the line a device writes: the prefix, compact JSON, "\n".
func encodeEntry(prefix string, e AuditEntry) ([]byte, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(prefix)+len(b)+1)
	out = append(out, prefix...)
	out = append(out, b...)
	return append(out, '\n'), nil
}
