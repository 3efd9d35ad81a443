package auditlog

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// wire is the union of every shape's fields. encoding/json matches names
// case-insensitively, so one field serves "resourceId" (AuditEvent),
// "ResourceId" (AzureDiagnostics) and the like; the shape is decided
// afterwards from which fields came.
type wire struct {
	// AuditEvent, Activity (diagnostic export and REST), and the
	// case-insensitive twins in Log Analytics rows.
	Time            flexString      `json:"time"`
	ResourceID      flexString      `json:"resourceId"`
	OperationName   json.RawMessage `json:"operationName"` // a string, or {"value": ...} in REST activity events
	Category        json.RawMessage `json:"category"`      // likewise
	ResultType      flexString      `json:"resultType"`
	ResultSignature flexString      `json:"resultSignature"`
	ResultDesc      flexString      `json:"resultDescription"` // also AzureDiagnostics' and AZKVAuditLogs' ResultDescription
	CallerIPAddress flexString      `json:"callerIpAddress"`
	CorrelationID   flexString      `json:"correlationId"`
	Identity        json.RawMessage `json:"identity"` // object, or an object serialised as a string (Log Analytics)
	Properties      json.RawMessage `json:"properties"`

	// AzureDiagnostics (flattened columns).
	TimeGenerated  flexString `json:"TimeGenerated"`
	Resource       flexString `json:"Resource"`
	RequestURIS    flexString `json:"requestUri_s"`
	IDS            flexString `json:"id_s"`
	ClientInfoS    flexString `json:"clientInfo_s"`
	HTTPStatusD    flexInt    `json:"httpStatusCode_d"`
	ClaimOID       flexString `json:"identity_claim_oid_g"`
	ClaimOIDURI    flexString `json:"identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g"`
	ClaimUPN       flexString `json:"identity_claim_upn_s"`
	ClaimUPNURI    flexString `json:"identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_upn_s"`
	ClaimAppID     flexString `json:"identity_claim_appid_g"`
	ClaimUnique    flexString `json:"identity_claim_unique_name_s"`
	ClaimNameURI   flexString `json:"identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_name_s"`
	ClaimTID       flexString `json:"identity_claim_tid_g"`
	ClaimTIDURI    flexString `json:"identity_claim_http_schemas_microsoft_com_identity_claims_tenantid_g"`
	ClaimIPAddr    flexString `json:"identity_claim_ipaddr_s"`
	ResourceProvid flexString `json:"ResourceProvider"`

	// AZKVAuditLogs.
	RequestURI     flexString `json:"RequestUri"`
	ID             flexString `json:"Id"`
	ClientInfo     flexString `json:"ClientInfo"`
	HTTPStatusCode flexInt    `json:"HttpStatusCode"`
	LowerResource  flexString `json:"_ResourceId"`
	Type           flexString `json:"Type"`

	// Activity log: REST events and AzureActivity rows.
	EventTimestamp      flexString      `json:"eventTimestamp"`
	Caller              flexString      `json:"caller"`
	Status              json.RawMessage `json:"status"` // {"value": ...} or a string
	Claims              json.RawMessage `json:"claims"`
	HTTPRequest         json.RawMessage `json:"httpRequest"`
	OperationNameValue  flexString      `json:"OperationNameValue"`
	ActivityStatusValue flexString      `json:"ActivityStatusValue"`
}

// wireProperties is the properties object of an AuditEvent.
type wireProperties struct {
	ID             flexString `json:"id"`
	RequestURI     flexString `json:"requestUri"`
	ClientInfo     flexString `json:"clientInfo"`
	HTTPStatusCode flexInt    `json:"httpStatusCode"`
}

// flexString accepts a JSON string, number or boolean (exports are not
// always faithful to types) and null.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*f = ""
	case b[0] == '"':
		// encoding/json has validated the value: without escapes its
		// content is the string (most fields; saves a decoder per field).
		if len(b) >= 2 && b[len(b)-1] == '"' && bytes.IndexByte(b, '\\') < 0 {
			*f = flexString(b[1 : len(b)-1])
			return nil
		}
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
	case b[0] == '{' || b[0] == '[':
		*f = "" // an unexpected structure is ignored, not fatal
	default:
		*f = flexString(b)
	}
	return nil
}

// flexInt accepts a JSON number (200, 200.0) or a numeric string ("200").
type flexInt int

func (f *flexInt) UnmarshalJSON(b []byte) error {
	var s flexString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(string(s)), 64)
	if err != nil || v < 0 || v > 999 {
		*f = 0
		return nil
	}
	*f = flexInt(v)
	return nil
}

// valueString reads a field that is either a string or an object holding
// the string under "value" (REST activity events: operationName, status,
// category).
func valueString(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	if raw[0] == '{' {
		var v struct {
			Value flexString `json:"value"`
		}
		if json.Unmarshal(raw, &v) != nil {
			return ""
		}
		return string(v.Value)
	}
	var s flexString
	if s.UnmarshalJSON(raw) != nil {
		return ""
	}
	return string(s)
}

// isObject reports whether raw is a JSON object.
func isObject(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && raw[0] == '{'
}

// objectOrString returns raw if it is an object, or the object a JSON string
// holds (Log Analytics serialises dynamic columns as strings), else nil.
func objectOrString(raw json.RawMessage) json.RawMessage {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil
	}
	if raw[0] == '{' {
		return raw
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			if t := strings.TrimSpace(s); strings.HasPrefix(t, "{") {
				return json.RawMessage(t)
			}
		}
	}
	return nil
}
