package auditlog

import (
	"bytes"
	"encoding/json"
)

// maxChange bounds Event.RequestBody and ResponseBody: a diagnostic
// setting or an access policy list is a few kilobytes; a body beyond this
// is not kept (the tamper rules then say "changed, check it").
const maxChange = 64 << 10

// activityBody returns the body an Activity record's properties carry
// under key (requestbody or responsebody, in any case) as JSON text, or ""
// when they carry none. Azure writes it as a string holding JSON; the
// diagnostic export and the REST API put it under properties, Log
// Analytics under the Properties (text) and Properties_d (dynamic)
// columns. A value of any other form is not an error: the record stays an
// ordinary Activity record whose change is unknown.
func activityBody(key string, props ...json.RawMessage) string {
	for _, raw := range props {
		obj, err := objectField("properties", raw)
		if err != nil || obj == nil {
			continue
		}
		var fields map[string]json.RawMessage
		if json.Unmarshal(obj, &fields) != nil {
			continue
		}
		for k, v := range fields {
			if !EqualFoldASCII(k, key) {
				continue
			}
			if body := bodyText(v); body != "" {
				return body
			}
		}
	}
	return ""
}

// bodyText is a body field's JSON object: a string holding one (Azure's
// spelling) or the object itself; "" for anything else or too big.
func bodyText(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	if len(v) > 0 && v[0] == '"' {
		var s string
		if json.Unmarshal(v, &s) != nil {
			return ""
		}
		v = bytes.TrimSpace([]byte(s))
	}
	if len(v) == 0 || len(v) > maxChange || v[0] != '{' || !json.Valid(v) {
		return ""
	}
	return string(v)
}

// EqualFoldASCII reports whether a and b are equal ignoring ASCII case
// only: Key Vault names and ARM ids are ASCII, and Unicode folding would
// let "\u212a" (Kelvin sign) equal "k". a may be bytes, such as a name in
// the matcher's arena, compared without a copy.
func EqualFoldASCII[T ~string | ~[]byte](a T, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
