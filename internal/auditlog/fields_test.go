package auditlog

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fieldRule is what a field of a record may hold.
type fieldRule int

const (
	// ignored: honeyvault does not read it; anything goes.
	ignored fieldRule = iota
	// text: null is absent, a number or boolean is its JSON text, a string
	// is kept byte for byte (NUL and bytes that are not UTF-8 escaped); an
	// object or array makes the record a dead letter naming the field.
	text
	// when: the record's time; anything but a time is a dead letter.
	when
	// status: an HTTP status, as a number or numeric text; null is unknown.
	status
	// object: an object, or a string holding one (Log Analytics' dynamic
	// columns); null is absent; anything else is a dead letter.
	object
)

// fieldRules are the fields of the three Key Vault shapes, by lower-cased
// path, with what each may hold and, for text that reaches the event
// unchanged, where it goes. Fields not listed are ignored.
var fieldRules = map[string]struct {
	rule fieldRule
	get  func(*Event) string
}{
	// AuditEvent.
	"time":                      {when, nil},
	"resourceid":                {text, func(e *Event) string { return e.ResourceID }},
	"operationname":             {text, func(e *Event) string { return e.Operation }},
	"category":                  {text, func(e *Event) string { return e.Category }},
	"resulttype":                {text, func(e *Event) string { return e.ResultType }},
	"resultsignature":           {text, func(e *Event) string { return e.ResultSignature }},
	"resultdescription":         {text, func(e *Event) string { return e.ResultDescription }},
	"calleripaddress":           {text, func(e *Event) string { return e.Caller.IP }},
	"correlationid":             {text, func(e *Event) string { return e.CorrelationID }},
	"identity":                  {object, nil},
	"identity.claim":            {object, nil},
	"identity.claim.oid":        {text, func(e *Event) string { return e.Caller.ObjectID }},
	"identity.claim.upn":        {text, func(e *Event) string { return e.Caller.UPN }},
	"identity.claim.appid":      {text, func(e *Event) string { return e.Caller.AppID }},
	"identity.claim.tid":        {text, func(e *Event) string { return e.Caller.TenantID }},
	"properties":                {object, nil},
	"properties.id":             {text, func(e *Event) string { return e.ObjectURI }},
	"properties.requesturi":     {text, func(e *Event) string { return e.RequestURI }},
	"properties.clientinfo":     {text, func(e *Event) string { return e.Caller.ClientInfo }},
	"properties.httpstatuscode": {status, nil},
	"timegenerated":             {when, nil},
	"resourceprovider":          {text, nil},
	"resource":                  {text, nil},
	"requesturi_s":              {text, func(e *Event) string { return e.RequestURI }},
	"id_s":                      {text, func(e *Event) string { return e.ObjectURI }},
	"clientinfo_s":              {text, func(e *Event) string { return e.Caller.ClientInfo }},
	"httpstatuscode_d":          {status, nil},
	"identity_claim_appid_g":    {text, func(e *Event) string { return e.Caller.AppID }},
	"type":                      {text, nil},
	"requesturi":                {text, func(e *Event) string { return e.RequestURI }},
	"id":                        {text, func(e *Event) string { return e.ObjectURI }},
	"clientinfo":                {text, func(e *Event) string { return e.Caller.ClientInfo }},
	"httpstatuscode":            {status, nil},
	"_resourceid":               {text, func(e *Event) string { return e.ResourceID }},
	"identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g": {text, func(e *Event) string { return e.Caller.ObjectID }},
	"identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_upn_s":     {text, func(e *Event) string { return e.Caller.UPN }},
}

// fieldValues are what each field is replaced with, and the text a text
// field then holds ("" for the dead letters).
var fieldValues = []struct {
	name, json string
	asText     string
	ok         map[fieldRule]bool // rules under which the record is kept
}{
	{"null", `null`, "", map[fieldRule]bool{text: true, status: true, object: true}},
	{"number", `123`, "123", map[fieldRule]bool{text: true, status: true}},
	{"boolean", `true`, "true", map[fieldRule]bool{text: true}},
	{"text", `"some text"`, "some text", map[fieldRule]bool{text: true}},
	{"numeric text", `"404"`, "404", map[fieldRule]bool{text: true, status: true}},
	{"array", `["a"]`, "", map[fieldRule]bool{}},
	{"object", `{"a":"b"}`, "", map[fieldRule]bool{object: true}},
	{"object as text", `"{\"a\":\"b\"}"`, `{"a":"b"}`, map[fieldRule]bool{text: true, object: true}},
	{"NUL", `"a\u0000b"`, `a\u0000b`, map[fieldRule]bool{text: true}},
	{"not UTF-8", "\"a\xf6\xffb\"", `a\xf6\xffb`, map[fieldRule]bool{text: true}},
	{"lone surrogate", `"a\ud800b"`, `a\ud800b`, map[fieldRule]bool{text: true}},
}

// A field of the wrong type used to be dropped silently (a list where
// resourceId is text, a string identity, a number properties). Now each
// field of each Key Vault shape, replaced by each kind of JSON value,
// either keeps the record — with what the field said — or makes it a dead
// letter whose reason names the field.
func TestWrongTypedFields(t *testing.T) {
	for _, fixture := range []string{"auditevent.json", "azurediagnostics.json", "azkvauditlogs.json"} {
		rec := firstRecord(t, fixture)
		for _, path := range fieldPaths(rec, "") {
			rule := fieldRules[strings.ToLower(path)]
			for _, v := range fieldValues {
				t.Run(fixture+"/"+path+"="+v.name, func(t *testing.T) {
					raw := withField(t, rec, path, v.json)
					ev, err := ParseRecord(raw)
					if rule.rule == ignored || v.ok[rule.rule] {
						if err != nil {
							t.Fatalf("%s: %v; want the record kept", raw, err)
						}
						if rule.get != nil {
							if got := rule.get(&ev); got != v.asText {
								t.Errorf("%s: field reads %q; want %q", raw, got, v.asText)
							}
						}
						if rule.rule == status && v.name != "null" {
							if want := map[string]int{"number": 123, "numeric text": 404}[v.name]; ev.HTTPStatus != want {
								t.Errorf("%s: HTTP status %d; want %d", raw, ev.HTTPStatus, want)
							}
						}
						return
					}
					if err == nil {
						t.Fatalf("%s: kept as %+v; want a dead letter", raw, ev)
					}
					name := strings.ToLower(path[strings.LastIndexByte(path, '.')+1:])
					if rule.rule == when {
						name = "time"
					}
					if !strings.Contains(strings.ToLower(err.Error()), name) {
						t.Errorf("%s: error %q does not name the field", raw, err)
					}
				})
			}
		}
	}
}

// TestWrongTypedFieldsCoverTheShapes checks that the fixtures hold every
// field the rules list, so that no rule goes untested.
func TestWrongTypedFieldsCoverTheShapes(t *testing.T) {
	seen := map[string]bool{}
	for _, fixture := range []string{"auditevent.json", "azurediagnostics.json", "azkvauditlogs.json"} {
		for _, p := range fieldPaths(firstRecord(t, fixture), "") {
			seen[strings.ToLower(p)] = true
		}
	}
	for p := range fieldRules {
		if !seen[p] {
			t.Errorf("no fixture has field %s", p)
		}
	}
}

// firstRecord returns the first record of a fixture (JSON lines or a JSON
// array of rows).
func firstRecord(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if b = bytes.TrimSpace(b); b[0] == '[' {
		var rows []json.RawMessage
		if err := json.Unmarshal(b, &rows); err != nil {
			t.Fatal(err)
		}
		b = rows[0]
	} else {
		line, _, _ := bufio.NewReader(bytes.NewReader(b)).ReadLine()
		b = line
	}
	var rec map[string]any
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	return rec
}

// fieldPaths lists the paths of rec's fields, objects' members included.
func fieldPaths(rec map[string]any, prefix string) []string {
	var out []string
	for k, v := range rec {
		out = append(out, prefix+k)
		if m, ok := v.(map[string]any); ok {
			out = append(out, fieldPaths(m, prefix+k+".")...)
		}
	}
	slices.Sort(out)
	return out
}

// withField returns rec as JSON with the field at path replaced by the raw
// JSON value (which may hold bytes that are not UTF-8: json.Marshal would
// replace them).
func withField(t *testing.T, rec map[string]any, path, value string) []byte {
	t.Helper()
	const mark = "\x01replaced\x01"
	c := deepCopy(rec)
	parts := strings.Split(path, ".")
	m := c
	for _, p := range parts[:len(parts)-1] {
		m = m[p].(map[string]any)
	}
	m[parts[len(parts)-1]] = mark
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	quoted, _ := json.Marshal(mark)
	return bytes.Replace(b, quoted, []byte(value), 1)
}

func deepCopy(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if sub, ok := v.(map[string]any); ok {
			v = deepCopy(sub)
		}
		out[k] = v
	}
	return out
}

// A NUL and bytes that are not UTF-8 read the same from every layout — a
// JSON line (\u0000 escaped, the other bytes raw), a query API answer and a
// CSV export (the NUL raw) — in the form both databases store (see package
// storable): \u0000 and \xNN.
func TestUnstorableTextAlikeInEveryLayout(t *testing.T) {
	const want = `azsdk\u0000go \xf6\xff é`
	inputs := map[string]string{
		"JSON line": `{"TimeGenerated":"2026-11-20T08:00:00Z","OperationName":"SecretGet","ClientInfo":"azsdk\u0000go ` + "\xf6\xff" + ` é","Type":"AZKVAuditLogs"}` + "\n",
		"query answer": `{"tables":[{"columns":[{"name":"TimeGenerated"},{"name":"OperationName"},{"name":"ClientInfo"},{"name":"Type"}],` +
			`"rows":[["2026-11-20T08:00:00Z","SecretGet","azsdk\u0000go ` + "\xf6\xff" + ` é","AZKVAuditLogs"]]}]}`,
		"CSV export": "\"TimeGenerated [UTC]\",OperationName,ClientInfo,Type\r\n\"11/20/2026, 8:00:00.000 AM\",SecretGet,\"azsdk\x00go \xf6\xff é\",AZKVAuditLogs\r\n",
	}
	for name, in := range inputs {
		events, bad, err := ParseBody([]byte(in))
		if err != nil || len(bad) != 0 || len(events) != 1 {
			t.Errorf("%s: %d events, bad %v, %v", name, len(events), bad, err)
			continue
		}
		if got := events[0].Caller.ClientInfo; got != want {
			t.Errorf("%s: client info %q; want %q", name, got, want)
		}
	}
}
