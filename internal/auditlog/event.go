package auditlog

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/storable"
)

// Kind tells the two families of records apart.
type Kind string

// Record kinds.
const (
	// KindAudit is a Key Vault data-plane AuditEvent (any of its shapes).
	KindAudit Kind = "audit"
	// KindActivity is an Azure Activity-log (control-plane) record.
	KindActivity Kind = "activity"
	// KindDrift is no record at all: honeyvault's reconcile found a decoy
	// deleted, disabled or replaced outside honeyvault by comparing list
	// calls with the registry (internal/incident: DriftAlert).
	KindDrift Kind = "drift"
	// KindHealth is no record either: honeyvault's heartbeat found a
	// vault's audit records stopped reaching it, or flowing again
	// (internal/incident: GapAlert).
	KindHealth Kind = "health"
	// KindCanary is no Key Vault record either: one of honeyvault's canary
	// listeners saw a decoy's value used outside Key Vault (a request to a
	// canary URL, a lookup of a canary host, a connection to the canary
	// PostgreSQL). The event names the decoy the value's token belongs to;
	// its operation is "canary:<kind>" (internal/canary).
	KindCanary Kind = "canary"
)

// Shape names the record layout an event was read from.
type Shape string

// Record shapes.
const (
	ShapeAuditEvent       Shape = "AuditEvent"       // raw diagnostic record (Event Hubs, storage)
	ShapeAzureDiagnostics Shape = "AzureDiagnostics" // Log Analytics legacy table row
	ShapeAZKVAuditLogs    Shape = "AZKVAuditLogs"    // Log Analytics resource-specific table row
	ShapeActivity         Shape = "Activity"         // Activity log: diagnostic export or REST event
	ShapeAzureActivity    Shape = "AzureActivity"    // Activity log: Log Analytics row
	// ShapeVaultAudit is a HashiCorp Vault / OpenBao audit-device entry
	// (file, socket or syslog device: one JSON object a line).
	ShapeVaultAudit Shape = "VaultAudit"
	// ShapeCloudTrail is an AWS CloudTrail record (S3 log file, EventBridge
	// event's detail, or one a line).
	ShapeCloudTrail Shape = "CloudTrail"
)

// Event is one normalised audit or activity record. Every shape decodes to
// it; fields a shape lacks stay zero.
type Event struct {
	Kind  Kind
	Shape Shape
	Time  time.Time // UTC

	// VaultID is the vault's ARM id as the record spells it (upper-cased in
	// diagnostic records, lower-cased in Log Analytics), "" when the record
	// names no vault resource. For the other providers it is the store id
	// (registry.Provider): vault://{cluster}/{mount} for a HashiCorp Vault
	// entry, arn:aws:secretsmanager:{region}:{account} for CloudTrail. For activity records on a vault's
	// sub-resource (a diagnostic setting, an access policy) it is the
	// vault's part of ResourceID.
	VaultID string
	// VaultName is the lower-cased vault name: from VaultID, else the first
	// label of a Key Vault host in ObjectURI or RequestURI. For the other
	// providers it is the store's name (registry.StoreID.Name).
	VaultName string

	// The object the request named, from ObjectURI when it names one, else
	// from RequestURI. ObjectType is "" when the request named no object
	// (list calls, vault operations).
	ObjectType    registry.Type
	ObjectName    string // as spelled in the record; a Vault secret's path under its mount, a Secrets Manager secret's name
	ObjectVersion string // "" when the request named no version
	Deleted       bool   // reached through /deletedsecrets, /deletedkeys or /deletedcertificates
	Action        string // lower-cased verb segment after the object: backup, recover, sign, versions, ...

	// Operation is operationName (audit) or operationName.value (activity);
	// "vault:" and request.operation for a Vault entry (Action is then the
	// KV v2 segment: data, metadata, delete, undelete, destroy, subkeys);
	// eventName for CloudTrail.
	Operation       string
	Category        string // AuditEvent, Administrative, ...
	ResultType      string // Success, Failure, ...
	ResultSignature string // OK, Forbidden, Unauthorized, ...
	// ResultDescription is Key Vault's explanation of a failure, such as
	// "Unauthorized: AKV10000: Request is missing a Bearer or PoP token."
	ResultDescription string
	HTTPStatus        int // 0 when unknown
	CorrelationID     string
	RequestURI        string // what the caller sent (properties.requestUri, requestUri_s, RequestUri)
	ObjectURI         string // what Key Vault returned (properties.id, id_s, Id); the secret's ARN when a CloudTrail record named it by ARN

	// ResourceID is the ARM id the record is about: the vault for audit
	// records, the resource acted on for activity records.
	ResourceID string
	// Status is an activity record's status (Started, Succeeded, Failed, ...).
	Status string
	// RequestBody is the body the caller of an activity record's operation
	// sent (properties.requestbody), ResponseBody the service's answer
	// (properties.responseBody), each a JSON object as text, "" when the
	// record carries none. Azure logs the request on the Started record of
	// a write and the answer on its outcome; tamper rules judge a change by
	// them.
	RequestBody  string
	ResponseBody string

	Caller Caller
	Source Position
}

// Caller is who made the request.
type Caller struct {
	ObjectID   string // oid claim
	UPN        string // upn claim, else unique_name
	AppID      string // appid claim
	TenantID   string // tid claim
	IP         string // callerIpAddress, else the ipaddr claim
	ClientInfo string // user agent
	// Name is an activity record's free-form caller (a UPN, an object id or
	// an application id) when no claim says which it is.
	Name string
}

// IsZero reports whether nothing is known about the caller.
func (c Caller) IsZero() bool { return c == Caller{} }

// Key is the identity events of one caller share, for grouping them into
// incidents and for "everything this caller did": the object id, else the
// app id, else the UPN (or activity caller name), else the IP address;
// lower-cased, storable, and bounded like every indexed key (see package
// storable). Stored events and incidents are grouped by it: a change to
// what it returns splits a caller's history.
func (c Caller) Key() string {
	for _, v := range []string{c.ObjectID, c.AppID, c.UPN, c.Name, c.IP} {
		if v = strings.TrimSpace(v); v != "" {
			return storable.Key(strings.ToLower(storable.Text(v)))
		}
	}
	return ""
}

// Position is where a record was read.
type Position struct {
	File   string // as given to the decoder; "" for in-memory bodies
	Line   int64  // 1-based line of the record's first byte; 0 when unknown
	Offset int64  // byte offset of the record's first byte in the (decompressed) stream
}

// String formats the position as "file:line" (grep's style), "line N" without
// a file name.
func (p Position) String() string {
	switch {
	case p.File != "" && p.Line > 0:
		return p.File + ":" + strconv.FormatInt(p.Line, 10)
	case p.File != "":
		return p.File + ": offset " + strconv.FormatInt(p.Offset, 10)
	case p.Line > 0:
		return "line " + strconv.FormatInt(p.Line, 10)
	}
	return "offset " + strconv.FormatInt(p.Offset, 10)
}

// DedupKey returns a stable idempotency key for the event: the same record
// read twice — from the same sink or from two sinks (Event Hubs and Log
// Analytics spell vault ids and times differently) — yields the same key,
// and two different records practically never do. It covers the kind,
// correlation id, time (to the 100 ns tick), operation and vault, plus the
// request URI for audit records and the resource id and status for activity
// records (an activity operation logs Started and Succeeded under one
// correlation id), the status spelled alike in every shape (the REST API's
// Succeeded is the export's Success). The key is 32 hex characters.
//
// A HashiCorp Vault call is logged twice, a request entry before Vault
// acts and a response entry after, under one request id: their key leaves
// the time out (see vaultCallKey), so that one call raises one alert.
func (e *Event) DedupKey() string {
	// One buffer hashed at once: the same bytes as writing each field to
	// a running hash, without its allocations (this runs for every record).
	var buf [512]byte
	b := appendKeyField(buf[:0], string(e.Kind), false)
	b = appendKeyField(b, e.CorrelationID, true)
	if !e.vaultCallKey() {
		b = e.Time.UTC().Truncate(100*time.Nanosecond).AppendFormat(b, time.RFC3339Nano)
		b = append(b, 0)
	}
	b = appendKeyField(b, e.Operation, true)
	vault := registry.VaultKey(e.VaultID)
	if vault == "" {
		vault = e.VaultName
	}
	b = appendKeyField(b, vault, false)
	if e.Kind == KindActivity {
		b = appendKeyField(b, strings.TrimRight(e.ResourceID, "/"), true)
		b = appendKeyField(b, activityStatusKey(e.Status), false)
	} else {
		b = appendKeyField(b, e.RequestURI, false)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// appendKeyField appends a field of DedupKey's input, lower-cased as
// strings.ToLower does when lower is set, and its NUL terminator.
func appendKeyField(b []byte, s string, lower bool) []byte {
	if !lower {
		return append(append(b, s...), 0)
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return append(append(b, strings.ToLower(s)...), 0)
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return append(b, 0)
}

// activityStatusKey spells an activity status as the diagnostic export
// and AzureActivity do (Start, Success, Failure), whatever the shape: the
// REST API writes Started, Succeeded and Failed for the same records.
func activityStatusKey(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "started":
		return "start"
	case "succeeded":
		return "success"
	case "failed":
		return "failure"
	}
	return s
}

// vaultCallKey reports whether the event's DedupKey stands for the whole
// Vault call rather than one entry: a Vault entry with a request id (a
// random UUID per request) shares its key with the other entry of its
// call. The events table keeps both (its key leads with the time), and
// the alerts table, keyed by DedupKey and decoy, keeps the first: the
// request entry, which Vault writes before it acts — so a decoy read
// alerts at once, and still alerts when the response never comes (Vault
// died mid-call). A denied call's request entry already carries the
// error. Without a request id the time keeps unrelated entries apart.
// A Vault entry is told by its operation ("vault:read"), which the store
// keeps (it does not keep Shape), so that a stored event's key is the
// one it was stored under.
func (e *Event) vaultCallKey() bool {
	return e.Kind == KindAudit && strings.HasPrefix(e.Operation, vaultOperationPrefix) && e.CorrelationID != ""
}
