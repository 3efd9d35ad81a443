package kvemu

import (
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Log categories of the records the emulator writes.
const (
	CategoryAuditEvent     = "AuditEvent"     // Key Vault's resource log
	CategoryAdministrative = "Administrative" // the Activity log's control-plane category
)

// AuditRecord is one Key Vault AuditEvent resource-log record, field for
// field as Azure writes it to Event Hubs and storage archives.
type AuditRecord struct {
	Time              string          `json:"time"`       // UTC, 7 fractional digits
	ResourceID        string          `json:"resourceId"` // the vault's ARM id, UPPER-CASED
	OperationName     string          `json:"operationName"`
	OperationVersion  string          `json:"operationVersion"` // the api-version the client sent
	Category          string          `json:"category"`
	ResultType        string          `json:"resultType"`
	ResultSignature   string          `json:"resultSignature"` // HTTP status text ("OK", "Not Found", "Forbidden")
	ResultDescription string          `json:"resultDescription"`
	DurationMs        string          `json:"durationMs"` // a number, as a string
	CallerIPAddress   string          `json:"callerIpAddress"`
	CorrelationID     string          `json:"correlationId"`
	Identity          *AuditIdentity  `json:"identity,omitempty"` // absent for unauthenticated requests
	Properties        AuditProperties `json:"properties"`
}

// AuditIdentity carries the claims of the caller's token.
type AuditIdentity struct {
	Claim map[string]string `json:"claim"`
}

// AuditProperties are an AuditEvent record's request details.
type AuditProperties struct {
	// ID is the object the request returned; present only on success.
	ID                  string `json:"id,omitempty"`
	ClientInfo          string `json:"clientInfo"`
	RequestURI          string `json:"requestUri"` // exactly as sent, with query
	HTTPStatusCode      int    `json:"httpStatusCode"`
	IsAccessPolicyMatch *bool  `json:"isAccessPolicyMatch,omitempty"` // access-policy vaults
	IsRbacAuthorized    *bool  `json:"isRbacAuthorized,omitempty"`    // RBAC vaults
	TLSVersion          string `json:"tlsVersion,omitempty"`
}

// TimeLayout formats record times the way Azure does: UTC with seven
// fractional digits ("2026-11-20T08:00:01.1234567Z").
const TimeLayout = "2006-01-02T15:04:05.0000000Z"

// The long (URI) spellings of the oid and upn claims, which the Activity
// log always uses and audit records use under Options.URIClaims.
const (
	ClaimOIDURI = "http://schemas.microsoft.com/identity/claims/objectidentifier"
	ClaimUPNURI = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"
)

// requestURI rebuilds the request URI exactly as the client sent it: the
// Host header (with any port) and the raw path and query.
func requestURI(r *http.Request) string {
	if strings.HasPrefix(r.RequestURI, "https://") || strings.HasPrefix(r.RequestURI, "http://") {
		return r.RequestURI // absolute form, as a proxy-aware client sends it
	}
	return "https://" + r.Host + r.RequestURI
}

// callerIP is the caller's address: the identity's configured address when
// the token carries one (all emulated callers come from loopback), else the
// connection's remote address.
func callerIP(r *http.Request, c *tokenClaims) string {
	if c != nil && c.IPAddr != "" {
		return c.IPAddr
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// identityClaims renders the token claims for identity.claim.
func (e *Emulator) identityClaims(c *tokenClaims) *AuditIdentity {
	if c == nil {
		return nil
	}
	m := map[string]string{"appid": c.AppID}
	if e.opts.URIClaims {
		m[ClaimOIDURI] = c.OID
		if c.UPN != "" {
			m[ClaimUPNURI] = c.UPN
		}
	} else {
		m["oid"] = c.OID
		if c.UPN != "" {
			m["upn"] = c.UPN
			m["unique_name"] = c.UPN
		}
	}
	if c.IPAddr != "" {
		m["ipaddr"] = c.IPAddr
	}
	return &AuditIdentity{Claim: m}
}

// auditInput is what one served request contributes to its record.
type auditInput struct {
	r          *http.Request
	v          *vault
	op         string
	claims     *tokenClaims
	status     int
	objectID   string // properties.id; kept only on success
	errMessage string // resultDescription on failure
	started    time.Time
	elapsed    time.Duration
	correlID   string
	authz      *bool // access check outcome; nil when no check ran
}

// buildAudit makes the AuditEvent record of one data-plane request.
func (e *Emulator) buildAudit(in auditInput) AuditRecord {
	rec := AuditRecord{
		Time:              in.started.UTC().Format(TimeLayout),
		ResourceID:        strings.ToUpper(in.v.id()),
		OperationName:     in.op,
		OperationVersion:  in.r.URL.Query().Get("api-version"),
		Category:          CategoryAuditEvent,
		ResultType:        "Success", // Key Vault reports "Success" for every request it answered
		ResultSignature:   http.StatusText(in.status),
		ResultDescription: in.errMessage,
		DurationMs:        strconv.FormatInt(in.elapsed.Milliseconds(), 10),
		CallerIPAddress:   callerIP(in.r, in.claims),
		CorrelationID:     in.correlID,
		Identity:          e.identityClaims(in.claims),
		Properties: AuditProperties{
			ClientInfo:     in.r.UserAgent(),
			RequestURI:     requestURI(in.r),
			HTTPStatusCode: in.status,
		},
	}
	if in.status >= 200 && in.status < 300 {
		rec.Properties.ID = in.objectID
	}
	if in.r.TLS != nil {
		rec.Properties.TLSVersion = tlsVersionName(in.r.TLS.Version)
	}
	if in.claims != nil {
		match := in.authz == nil || *in.authz
		in.v.mu.Lock()
		rbac := in.v.rbac
		in.v.mu.Unlock()
		if rbac {
			rec.Properties.IsRbacAuthorized = &match
		} else {
			rec.Properties.IsAccessPolicyMatch = &match
		}
	}
	return rec
}

// emitAudit sends rec to every destination of the vault's diagnostic
// settings that enable AuditEvent.
func (e *Emulator) emitAudit(v *vault, t time.Time, rec AuditRecord) {
	b, err := json.Marshal(rec)
	if err != nil {
		e.log.Error("kvemu: encode audit record", "err", err)
		return
	}
	r := Record{Category: CategoryAuditEvent, ResourceID: rec.ResourceID, Time: t, JSON: b}
	v.mu.Lock()
	targets := auditTargets(v.diag, CategoryAuditEvent)
	held, ctl := v.holdLocked(targets, r), v.delivery
	v.mu.Unlock()
	if !held {
		e.route(targets, r, ctl)
	}
}
