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

// claimSet is a claims object with lower-cased names.
type claimSet map[string]string

// parseClaims reads a claims object; values that are not strings are
// taken as their JSON text (numbers) or "" (objects, arrays).
func parseClaims(raw json.RawMessage) claimSet {
	raw = objectOrString(raw)
	if raw == nil {
		return nil
	}
	var m map[string]flexString
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	cs := make(claimSet, len(m))
	for k, v := range m {
		cs[strings.ToLower(k)] = string(v)
	}
	return cs
}

// identityClaims finds the claims inside an identity object: "claim" in
// Key Vault records, "claims" in Activity-log records.
func identityClaims(identity json.RawMessage) claimSet {
	identity = objectOrString(identity)
	if identity == nil {
		return nil
	}
	var id struct {
		Claim  json.RawMessage `json:"claim"`
		Claims json.RawMessage `json:"claims"`
	}
	if json.Unmarshal(identity, &id) != nil {
		return nil
	}
	if cs := parseClaims(id.Claim); cs != nil {
		return cs
	}
	return parseClaims(id.Claims)
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
