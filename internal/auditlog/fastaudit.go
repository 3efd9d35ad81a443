package auditlog

import (
	"reflect"
	"strings"
)

// The fast path reads the one shape that carries nearly all live traffic —
// Key Vault's diagnostic-export AuditEvent, as Event Hubs and the HTTP push
// deliver it — in one pass over its bytes, where the general path
// (parseAzure) costs encoding/json's validation, reflection into the wire
// union and second decodes of properties and identity: about two thirds
// of a record's CPU before the writer.
//
// It must give exactly the Event the general path gives, or nothing: a
// decoy access read differently is a missed alert. So it declines (ok
// false) every record it is not certain of, and the general path reads
// those: any key that is not ASCII or holds an escape (encoding/json
// matches keys to fields by Unicode case folding: 'ſ' is an 's', the
// Kelvin sign a 'k'), any key of the wire union not in its canonical
// spelling or repeated, a value of another JSON type than the canonical
// record's, invalid JSON anywhere (json.Unmarshal refuses the whole
// record), and records the general path would read as another shape or
// refuse. FuzzFastAudit checks the two paths agree on any input.

// fastAudit is what the fast path read of one record.
type fastAudit struct {
	seen                                                 uint16 // fastKey bits
	time, resourceID, operation, category, resultType    string
	resultSignature, resultDesc, callerIP, correlationID string
	propID, propRequestURI, propClientInfo               string
	propStatus                                           int
	claims                                               [len(fastClaimNames)]string
	claimSeen                                            uint16
}

// The members of the record the fast path reads, as bits of fastAudit.seen.
const (
	keyTime = 1 << iota
	keyResourceID
	keyOperation
	keyCategory
	keyResultType
	keyResultSignature
	keyResultDesc
	keyCallerIP
	keyCorrelationID
	keyIdentity
	keyProperties
	keyPropID
	keyPropRequestURI
	keyPropClientInfo
	keyPropStatus
)

// fastClaimNames are the claims the general path reads (readClaims), each
// a bit of fastAudit.claimSeen and a slot of fastAudit.claims.
var fastClaimNames = [...]string{
	"oid", "http://schemas.microsoft.com/identity/claims/objectidentifier",
	"upn", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn",
	"unique_name", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
	"appid", "azp", "http://schemas.microsoft.com/identity/claims/appid",
	"tid", "http://schemas.microsoft.com/identity/claims/tenantid",
	"ipaddr",
}

// fastClaimIndex finds a claim's slot by its lower-cased name.
var fastClaimIndex = func() map[string]int {
	m := make(map[string]int, len(fastClaimNames))
	for i, n := range fastClaimNames {
		m[n] = i
	}
	return m
}()

// The lower-cased member names encoding/json fills a field of: a key that
// folds to one of them and is not the canonical spelling the fast path
// reads makes the general path read the record.
var (
	wireKeys       = jsonKeys(reflect.TypeFor[wire]())
	propertiesKeys = jsonKeys(reflect.TypeFor[wireProperties]())
	identityKeys   = map[string]bool{"claim": true, "claims": true}
)

func jsonKeys(t reflect.Type) map[string]bool {
	m := map[string]bool{}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		m[strings.ToLower(name)] = true
	}
	return m
}

// isFieldKey reports whether the plain key (ASCII: folding is ASCII case)
// names a field of keys.
func isFieldKey(keys map[string]bool, key []byte) bool {
	var buf [128]byte
	if len(key) > len(buf) {
		return keys[asciiLower(string(key))]
	}
	low := buf[:len(key)]
	for i, c := range key {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		low[i] = c
	}
	return keys[string(low)]
}

// fastAuditEvent reads raw (trimmed, starting with '{') as an AuditEvent
// record; ok is false when the general path must read it.
func fastAuditEvent(raw []byte) (ev Event, ok bool) {
	var f fastAudit
	s := &jsonScan{b: raw}
	if !s.members(f.member(s)) || s.i != len(raw) {
		return Event{}, false
	}
	// The general path tries Vault entries and CloudTrail records first,
	// on finding `"request"` or `"eventSource"` anywhere in raw: leave it
	// every record holding either. In valid JSON such bytes can only end
	// a string literal — the key or value itself, or a string's escaped
	// quote and what follows, up to its closing quote (after a closing
	// quote only white space or punctuation may come) — and the scanner
	// checks the end of every literal (jsonScan.otherShape).
	if s.otherShape {
		return Event{}, false
	}
	return f.event()
}

// member reads one top-level member.
func (f *fastAudit) member(s *jsonScan) func(key []byte) bool {
	return func(key []byte) bool {
		var bit uint16
		var dst *string
		switch string(key) {
		case "time":
			bit, dst = keyTime, &f.time
		case "resourceId":
			bit, dst = keyResourceID, &f.resourceID
		case "operationName":
			bit, dst = keyOperation, &f.operation
		case "category":
			bit, dst = keyCategory, &f.category
		case "resultType":
			bit, dst = keyResultType, &f.resultType
		case "resultSignature":
			bit, dst = keyResultSignature, &f.resultSignature
		case "resultDescription":
			bit, dst = keyResultDesc, &f.resultDesc
		case "callerIpAddress":
			bit, dst = keyCallerIP, &f.callerIP
		case "correlationId":
			bit, dst = keyCorrelationID, &f.correlationID
		case "identity":
			return f.once(keyIdentity) && s.peek() == '{' && s.members(f.identity(s))
		case "properties":
			return f.once(keyProperties) && s.peek() == '{' && s.members(f.properties(s))
		default:
			return !isFieldKey(wireKeys, key) && s.skip(1)
		}
		if !f.once(bit) {
			return false
		}
		var ok bool
		*dst, ok = s.value()
		return ok
	}
}

// once marks a member read and reports whether it was not read before.
func (f *fastAudit) once(bit uint16) bool {
	if f.seen&bit != 0 {
		return false
	}
	f.seen |= bit
	return true
}

func (f *fastAudit) properties(s *jsonScan) func(key []byte) bool {
	return func(key []byte) bool {
		var bit uint16
		var dst *string
		switch string(key) {
		case "id":
			bit, dst = keyPropID, &f.propID
		case "requestUri":
			bit, dst = keyPropRequestURI, &f.propRequestURI
		case "clientInfo":
			bit, dst = keyPropClientInfo, &f.propClientInfo
		case "httpStatusCode":
			return f.once(keyPropStatus) && f.status(s)
		default:
			return !isFieldKey(propertiesKeys, key) && s.skip(2)
		}
		if !f.once(bit) {
			return false
		}
		var ok bool
		*dst, ok = s.value()
		return ok
	}
}

// status reads an HTTP status written as Key Vault writes it: a JSON
// integer of one to three digits (flexInt takes more spellings; those go
// the general way).
func (f *fastAudit) status(s *jsonScan) bool {
	if c := s.peek(); c < '0' || c > '9' {
		return false
	}
	n, ok := s.number()
	if !ok || len(n) > 3 {
		return false
	}
	v := 0
	for _, c := range n {
		if c < '0' || c > '9' {
			return false // a fraction or an exponent
		}
		v = v*10 + int(c-'0')
	}
	f.propStatus = v
	return true
}

func (f *fastAudit) identity(s *jsonScan) func(key []byte) bool {
	seen := false
	return func(key []byte) bool {
		if string(key) == "claim" && !seen {
			seen = true
			return s.peek() == '{' && s.members(f.claim(s))
		}
		return !isFieldKey(identityKeys, key) && s.skip(2)
	}
}

// claim reads identity.claim, which the general path reads into a map and
// lower-cases its keys: a claim it reads must come once, in lower case, as
// a string.
func (f *fastAudit) claim(s *jsonScan) func(key []byte) bool {
	return func(key []byte) bool {
		i, read := fastClaimIndex[string(key)]
		if !read {
			return !isFieldKey(readClaims, key) && s.skip(3)
		}
		if f.claimSeen&(1<<i) != 0 {
			return false
		}
		f.claimSeen |= 1 << i
		var ok bool
		f.claims[i], ok = s.value()
		return ok
	}
}
