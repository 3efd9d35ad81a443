package auditlog

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// DefaultVaultCluster is the cluster name HashiCorp Vault / OpenBao audit
// entries are given when their source names none (ParseOptions.VaultCluster,
// Decoder.VaultCluster). Vault's audit entries do not say which server
// wrote them, so the cluster in a store id (vault://{cluster}/{mount}) is
// the operator's name for it: an estate with one cluster need not name it
// anywhere, as long as its decoys are registered under this name too.
const DefaultVaultCluster = "default"

// ParseOptions says what a record cannot say about itself. The zero value
// is valid.
type ParseOptions struct {
	// VaultCluster names the HashiCorp Vault / OpenBao cluster whose audit
	// device wrote the records; "" means DefaultVaultCluster.
	VaultCluster string
}

func (o ParseOptions) cluster() string {
	if o.VaultCluster == "" {
		return DefaultVaultCluster
	}
	return o.VaultCluster
}

// ValidVaultCluster reports what is wrong with a cluster name for
// ParseOptions.VaultCluster (nil when it is fine): 1-63 letters, digits,
// dots and dashes, as the store id wants.
func ValidVaultCluster(name string) error {
	if name == "" {
		return errors.New("auditlog: empty Vault cluster name")
	}
	if sid, err := registry.ParseStoreID(registry.HashiCorpVaultID(name, "kv")); err != nil || sid.Group != name {
		return errors.New("auditlog: Vault cluster name " + strconv.Quote(name) + ": want 1-63 letters, digits, dots and dashes")
	}
	return nil
}

// vaultEntry is a HashiCorp Vault / OpenBao audit entry's top level (the
// members honeyvault reads; every other key is ignored).
// Members are kept raw until the entry is known to be one, so that a
// Vault entry with a wrong-typed member gets an error naming it.
type vaultEntry struct {
	Time    json.RawMessage `json:"time"`
	Type    json.RawMessage `json:"type"`
	Request json.RawMessage `json:"request"`
	Auth    json.RawMessage `json:"auth"`
	Error   json.RawMessage `json:"error"`
}

// vaultRequestKey is in every Vault audit entry and in no Key Vault
// record's member names.
var vaultRequestKey = []byte(`"request"`)

// parseVaultEntry reads raw as a Vault audit entry when it is one: ok is
// false, and nothing decoded, for any other record. An entry is recognised
// by content — "type" request or response and a "request" object — and a
// record without the "request" key at all (every Key Vault record) costs
// one search of its bytes, not a parse.
func parseVaultEntry(raw []byte, o ParseOptions) (ev Event, ok bool, err error) {
	if !bytes.Contains(raw, vaultRequestKey) {
		return Event{}, false, nil
	}
	var e vaultEntry
	if json.Unmarshal(raw, &e) != nil || !isObject(e.Request) {
		return Event{}, false, nil // the other shapes' parser says what is wrong
	}
	if typ := entryType(e.Type); typ != "request" && typ != "response" {
		return Event{}, false, nil
	}
	ev, err = e.event(o)
	return ev, true, err
}

// entryType reads an entry's "type" as text ("" when it is not text).
func entryType(raw json.RawMessage) string {
	t, _ := textField("type", raw)
	return t
}

// vaultRequest is an audit entry's request object (the fields honeyvault
// reads; every other key is ignored).
type vaultRequest struct {
	ID                  flexString      `json:"id"`
	Operation           flexString      `json:"operation"`
	MountPoint          flexString      `json:"mount_point"`
	MountType           flexString      `json:"mount_type"`
	Path                flexString      `json:"path"`
	RemoteAddress       flexString      `json:"remote_address"`
	ClientTokenAccessor flexString      `json:"client_token_accessor"`
	Namespace           json.RawMessage `json:"namespace"`
	Headers             json.RawMessage `json:"headers"`
	Data                json.RawMessage `json:"data"`
}

// vaultAuth is an audit entry's auth object.
type vaultAuth struct {
	Accessor    flexString `json:"accessor"`
	DisplayName flexString `json:"display_name"`
	EntityID    flexString `json:"entity_id"`
}

// event reads a HashiCorp Vault / OpenBao audit entry (see vaultpath.go
// for how the path names the store and the secret).
func (w *vaultEntry) event(o ParseOptions) (Event, error) {
	ev := Event{Kind: KindAudit, Shape: ShapeVaultAudit}
	typ := entryType(w.Type)
	at, err := textField("time", w.Time)
	if err != nil {
		return Event{}, err
	}
	if ev.Time, err = parseTime(at); err != nil {
		return Event{}, err
	}
	var req vaultRequest
	if err := json.Unmarshal(w.Request, &req); err != nil {
		return Event{}, fieldError(err, "request.")
	}
	var auth vaultAuth
	rawAuth, err := objectField("auth", w.Auth)
	if err != nil {
		return Event{}, err
	}
	if rawAuth != nil {
		if err := json.Unmarshal(rawAuth, &auth); err != nil {
			return Event{}, fieldError(err, "auth.")
		}
	}
	ns, err := vaultNamespace(req.Namespace)
	if err != nil {
		return Event{}, err
	}
	op := strings.ToLower(strings.TrimSpace(string(req.Operation)))
	if op == "" {
		return Event{}, errors.New("request.operation missing: not a Vault audit entry")
	}
	ev.Operation = vaultOperationPrefix + op
	ev.Category = typ
	ev.CorrelationID = strings.TrimSpace(string(req.ID))
	ev.RequestURI = string(req.Path)
	if errText, err := textField("error", w.Error); err != nil {
		return Event{}, err
	} else if errText = strings.TrimSpace(errText); errText != "" {
		ev.ResultType, ev.ResultDescription = "Failure", errText
		if strings.Contains(errText, "permission denied") {
			ev.HTTPStatus, ev.ResultSignature = 403, "Forbidden"
		}
	} else if typ == "response" {
		ev.ResultType = "Success" // Vault answered without an error; its status code is not logged
	}

	p := splitVaultPath(string(req.Path), string(req.MountPoint), string(req.MountType), ns)
	if p.mount != "" {
		if id := registry.HashiCorpVaultID(o.cluster(), p.mount); validStoreID(id) {
			ev.VaultID, ev.ResourceID = id, id
			ev.VaultName = o.cluster() + "/" + p.mount
			ev.Action, ev.ObjectName = p.action, p.name
			if p.name != "" && namesSecret(op) {
				ev.ObjectType = registry.Secret
			}
		}
	}
	if ev.ObjectType != "" {
		ev.ObjectVersion = vaultVersion(req.Data)
	}

	c := &ev.Caller
	c.ObjectID = strings.TrimSpace(string(auth.EntityID))
	c.Name = strings.TrimSpace(string(auth.DisplayName))
	if strings.Contains(c.Name, "@") {
		c.UPN = c.Name
	}
	c.AppID = first(string(auth.Accessor), string(req.ClientTokenAccessor))
	c.IP = strings.TrimSpace(string(req.RemoteAddress))
	c.ClientInfo = vaultHeader(req.Headers, "user-agent")
	return ev, nil
}

// vaultOperationPrefix is detect.VaultOperationPrefix (auditlog cannot
// import detect).
const vaultOperationPrefix = "vault:"

// namesSecret reports whether a request of this operation on a secret's
// path touches that secret: a list (or OpenBao's scan) names a folder,
// help asks for the endpoint's documentation.
func namesSecret(op string) bool {
	return op != "list" && op != "scan" && op != "help"
}

func validStoreID(id string) bool {
	_, err := registry.ParseStoreID(id)
	return err == nil
}

// vaultNamespace returns the path of the entry's Vault Enterprise / OpenBao
// namespace, "" for the root namespace.
func vaultNamespace(raw json.RawMessage) (string, error) {
	obj, err := objectField("request.namespace", raw)
	if err != nil || obj == nil {
		return "", err
	}
	var ns struct {
		ID   flexString `json:"id"`
		Path flexString `json:"path"`
	}
	if err := json.Unmarshal(obj, &ns); err != nil {
		return "", fieldError(err, "request.namespace.")
	}
	return strings.Trim(string(ns.Path), "/"), nil
}

// vaultHeader returns the first value of an audited request header:
// Vault logs headers as {"name": ["value", ...]}; a plain string is read
// too. Names match in any case.
func vaultHeader(raw json.RawMessage, name string) string {
	obj, err := objectField("", raw)
	if err != nil || obj == nil {
		return ""
	}
	var headers map[string]json.RawMessage
	if json.Unmarshal(obj, &headers) != nil {
		return ""
	}
	for k, v := range headers {
		if !strings.EqualFold(k, name) {
			continue
		}
		var list []flexString
		if json.Unmarshal(v, &list) == nil && len(list) > 0 {
			return strings.TrimSpace(string(list[0]))
		}
		var s flexString
		if s.UnmarshalJSON(v) == nil {
			return strings.TrimSpace(string(s))
		}
	}
	return ""
}

// vaultVersion returns the version a request names when it is in clear: a
// number in request.data.version (a JSON body), or the numbers of
// request.data.versions (delete, undelete, destroy) joined by commas.
// Vault HMACs every string leaf of request.data, so a version sent as
// text (?version=N, or DeleteVersions' ["1"]) is logged as an HMAC and
// cannot be read back; unless the device logs raw, such a request names
// no version.
func vaultVersion(raw json.RawMessage) string {
	obj, err := objectField("", raw)
	if err != nil || obj == nil {
		return ""
	}
	var data struct {
		Version  json.RawMessage   `json:"version"`
		Versions []json.RawMessage `json:"versions"`
	}
	if json.Unmarshal(obj, &data) != nil {
		return ""
	}
	if v := clearVersion(data.Version); v != "" {
		return v
	}
	var out []string
	for _, v := range data.Versions {
		if s := clearVersion(v); s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, ",")
}

// clearVersion reads a version number: a non-negative JSON integer, or a
// string of digits (a raw log).
func clearVersion(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' {
		raw = raw[1 : len(raw)-1]
	}
	if len(raw) == 0 || len(raw) > 19 {
		return ""
	}
	for _, c := range raw {
		if c < '0' || c > '9' {
			return ""
		}
	}
	n, err := strconv.ParseUint(string(raw), 10, 63)
	if err != nil {
		return ""
	}
	return strconv.FormatUint(n, 10)
}
