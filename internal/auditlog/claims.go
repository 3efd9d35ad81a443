package auditlog

import (
	"encoding/json"
	"strings"
)

// Claim names, in both spellings Azure logs use: the token's short names and
// the WS-Federation URIs.
var (
	claimObjectID = []string{"oid", "http://schemas.microsoft.com/identity/claims/objectidentifier"}
	claimUPN      = []string{"upn", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"}
	// unique_name is the UPN's stand-in for guest and personal accounts.
	claimUniqueName = []string{"unique_name", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"}
	claimAppID      = []string{"appid", "azp", "http://schemas.microsoft.com/identity/claims/appid"}
	claimTenantID   = []string{"tid", "http://schemas.microsoft.com/identity/claims/tenantid"}
	claimIPAddr     = []string{"ipaddr"}
)

// claimSet holds the claims honeyvault reads, with lower-cased names.
type claimSet map[string]string

// readClaims are the lower-cased names of the claims honeyvault reads.
var readClaims = func() map[string]bool {
	m := map[string]bool{}
	for _, names := range [][]string{claimObjectID, claimUPN, claimUniqueName, claimAppID, claimTenantID, claimIPAddr} {
		for _, n := range names {
			m[n] = true
		}
	}
	return m
}()

// parseClaims reads the claims object field name holds (or a string holding
// one). The claims honeyvault reads must be text (see flexString): one
// that is not makes the record a dead letter. Others may hold anything
// (tokens carry arrays of roles, groups, methods).
func parseClaims(name string, raw json.RawMessage) (claimSet, error) {
	raw, err := objectField(name, raw)
	if raw == nil || err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fieldError(err, name+".")
	}
	cs := make(claimSet, 8)
	for k, v := range m {
		k = strings.ToLower(k)
		if !readClaims[k] {
			continue
		}
		var s flexString
		if err := s.UnmarshalJSON(v); err != nil {
			return nil, fieldError(named(err, k), name+".")
		}
		cs[k] = string(s)
	}
	return cs, nil
}

// identityClaims finds the claims inside an identity object: "claim" in
// Key Vault records, "claims" in Activity-log records.
func identityClaims(identity json.RawMessage) (claimSet, error) {
	identity, err := objectField("identity", identity)
	if identity == nil || err != nil {
		return nil, err
	}
	var id struct {
		Claim  json.RawMessage `json:"claim"`
		Claims json.RawMessage `json:"claims"`
	}
	if err := json.Unmarshal(identity, &id); err != nil {
		return nil, fieldError(err, "identity.")
	}
	cs, err := parseClaims("identity.claim", id.Claim)
	if cs != nil || err != nil {
		return cs, err
	}
	return parseClaims("identity.claims", id.Claims)
}

func (cs claimSet) first(names []string) string {
	for _, n := range names {
		if v := strings.TrimSpace(cs[n]); v != "" {
			return v
		}
	}
	return ""
}

// fill sets the caller's empty fields from the claims.
func (cs claimSet) fill(c *Caller) {
	if cs == nil {
		return
	}
	setIfEmpty(&c.ObjectID, cs.first(claimObjectID))
	setIfEmpty(&c.UPN, cs.first(claimUPN))
	setIfEmpty(&c.UPN, cs.first(claimUniqueName))
	setIfEmpty(&c.AppID, cs.first(claimAppID))
	setIfEmpty(&c.TenantID, cs.first(claimTenantID))
	setIfEmpty(&c.IP, cs.first(claimIPAddr))
}

func setIfEmpty(dst *string, v string) {
	if *dst == "" {
		*dst = strings.TrimSpace(v)
	}
}
