package auditlog

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
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
	PropertiesD         json.RawMessage `json:"Properties_d"` // AzureActivity's dynamic properties column
}

// wireProperties is the properties object of an AuditEvent.
type wireProperties struct {
	ID             flexString `json:"id"`
	RequestURI     flexString `json:"requestUri"`
	ClientInfo     flexString `json:"clientInfo"`
	HTTPStatusCode flexInt    `json:"httpStatusCode"`
}

// flexString is a field where text belongs. It takes a JSON string (kept
// byte for byte: see unquote), a number or boolean as its JSON text
// (exports are not always faithful to types) and null as absent. An object
// or array is no text: it fails with a *json.UnmarshalTypeError, which
// encoding/json completes with the field's name, and the record becomes a
// dead letter naming it (see fieldError).
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*f = ""
	case b[0] == '"':
		s, err := unquote(b)
		if err != nil {
			return err
		}
		*f = flexString(s)
	case b[0] == '{':
		return wrongType("an object", textType)
	case b[0] == '[':
		return wrongType("an array", textType)
	default:
		*f = flexString(b)
	}
	return nil
}

// flexInt is an HTTP status: a JSON number (200, 200.0) or a numeric
// string ("200", as CSV exports write it); null or "" is unknown (0).
// Anything else — other text, a number that is no HTTP status, a boolean,
// a structure — fails like a flexString.
type flexInt int

func (f *flexInt) UnmarshalJSON(b []byte) error {
	var s flexString
	if err := s.UnmarshalJSON(b); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			te.Type = numberType
		}
		return err
	}
	t := strings.TrimSpace(string(s))
	if t == "" {
		*f = 0
		return nil
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || v < 0 || v > 999 {
		found := t
		if len(found) > 32 {
			found = found[:32] + "..."
		}
		if b = bytes.TrimSpace(b); b[0] == '"' {
			found = "text " + strconv.Quote(found)
		}
		return wrongType(found, numberType)
	}
	*f = flexInt(v)
	return nil
}

var (
	textType   = reflect.TypeFor[string]()
	numberType = reflect.TypeFor[int]()
)

func wrongType(found string, want reflect.Type) error {
	return &json.UnmarshalTypeError{Value: found, Type: want}
}

// fieldError turns a wrong-typed field (a *json.UnmarshalTypeError from
// flexString, flexInt or a check of ours) into an error naming the field,
// prefixed with the path of the object that holds it; other errors are
// invalid JSON.
func fieldError(err error, prefix string) error {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) || te.Field == "" {
		return fmt.Errorf("invalid JSON: %v", err)
	}
	want := "text"
	switch te.Type {
	case numberType:
		want = "an HTTP status"
	case objectType:
		want = "an object"
	}
	return fmt.Errorf("%s%s: %s where %s belongs", prefix, te.Field, te.Value, want)
}

// unquote returns the text of a JSON string literal that encoding/json has
// validated, keeping what encoding/json would replace with U+FFFD: bytes
// that are not UTF-8 stay as they are and a lone surrogate escape (\ud800)
// stays as written, so that Event.storable can show an analyst what was
// sent. A literal without escapes is its content (most fields).
func unquote(b []byte) (string, error) {
	if len(b) < 2 || b[len(b)-1] != '"' {
		return "", errors.New("unterminated string")
	}
	s := b[1 : len(b)-1]
	i := bytes.IndexByte(s, '\\')
	if i < 0 {
		return string(s), nil
	}
	out := make([]byte, 0, len(s))
	for i >= 0 {
		out = append(out, s[:i]...)
		s = s[i:]
		if len(s) < 2 {
			return "", errors.New("unterminated escape")
		}
		n := 2
		switch c := s[1]; c {
		case '"', '\\', '/':
			out = append(out, c)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(s[2:])
			if !ok {
				return "", errors.New("bad \\u escape")
			}
			n = 6
			if !utf16.IsSurrogate(r) {
				out = utf8.AppendRune(out, r)
			} else if r2, ok := hex4(s[min(len(s), 8):]); r < 0xdc00 && ok && s[6] == '\\' && s[7] == 'u' && 0xdc00 <= r2 && r2 < 0xe000 {
				out = utf8.AppendRune(out, utf16.DecodeRune(r, r2))
				n = 12
			} else {
				out = append(out, s[:6]...) // a lone surrogate, kept as written
			}
		default:
			return "", fmt.Errorf("bad escape \\%c", c)
		}
		s = s[n:]
		i = bytes.IndexByte(s, '\\')
	}
	return string(append(out, s...)), nil
}

// hex4 reads the four hex digits of a \u escape.
func hex4(b []byte) (rune, bool) {
	var v [2]byte
	if len(b) < 4 {
		return 0, false
	}
	if _, err := hex.Decode(v[:], b[:4]); err != nil {
		return 0, false
	}
	return rune(v[0])<<8 | rune(v[1]), true
}

// valueString reads a field that is either text or an object holding the
// text under "value" (REST activity events: operationName, status,
// category), "" for anything else: for deciding a record's kind, before
// its fields are checked.
func valueString(raw json.RawMessage) string {
	v, _ := valueText("", raw)
	return v
}

// valueText is valueString for reading a record's field: a value that is
// neither is an error naming the field.
func valueText(name string, raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", nil
	}
	if raw[0] == '{' {
		var v struct {
			Value flexString `json:"value"`
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			return "", fieldError(err, name+".")
		}
		return string(v.Value), nil
	}
	var s flexString
	if err := s.UnmarshalJSON(raw); err != nil {
		return "", fieldError(named(err, name), "")
	}
	return string(s), nil
}

// textField reads a field kept raw for its other spellings as text (see
// flexString).
func textField(name string, raw json.RawMessage) (string, error) {
	var s flexString
	if err := s.UnmarshalJSON(raw); err != nil {
		return "", fieldError(named(err, name), "")
	}
	return string(s), nil
}

// named sets the field name of a wrong-typed value's error, for values
// decoded outside a struct.
func named(err error, name string) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		te.Field = name
	}
	return err
}

// isObject reports whether raw is a JSON object.
func isObject(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && raw[0] == '{'
}

var objectType = reflect.TypeFor[map[string]any]()

// objectField reads a field where an object belongs (identity, properties,
// claims, httpRequest): an object, or a string holding one (Log Analytics
// serialises dynamic columns as strings, and its CSV exports write them as
// JSON text). null, absence and "" are no object (nil, no error); anything
// else is an error naming the field.
func objectField(name string, raw json.RawMessage) (json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	found := ""
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return nil, nil
	case raw[0] == '{':
		return raw, nil
	case raw[0] == '[':
		found = "an array"
	case raw[0] == '"':
		s, err := unquote(raw)
		if err != nil {
			return nil, fieldError(err, "")
		}
		t := bytes.TrimSpace([]byte(s))
		if len(t) == 0 {
			return nil, nil
		}
		if t[0] == '{' && json.Valid(t) {
			return t, nil
		}
		found = "text that is not a JSON object"
	default:
		found = string(raw[:min(len(raw), 32)]) // a number or a boolean
	}
	return nil, fieldError(&json.UnmarshalTypeError{Value: found, Type: objectType, Field: name}, "")
}
