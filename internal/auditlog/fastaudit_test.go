package auditlog

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// generalEvents is AppendEvents by the general path only: what the fast
// path must match.
func generalEvents(raw []byte) ([]Event, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, fmt.Errorf("not a JSON object")
	}
	return appendEventsGeneral(nil, raw, ParseOptions{})
}

// checkFastAgrees fails t unless the fast path, when it takes raw, gives
// exactly the general path's event, and AppendEvents then gives it too.
// What the fast path declines AppendEvents hands to the general path as
// is; comparing the two there would compare the general path with itself,
// which is not deterministic for every input (a record with both "oid" and
// "OID" claims keeps either: parseClaims reads them through a map).
func checkFastAgrees(t *testing.T, raw []byte) (taken bool) {
	t.Helper()
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		AppendEvents(nil, raw)
		return false
	}
	// The scanner's check for the other shapes' keys is the byte searches
	// the general path makes, on every record it scans whole.
	var f fastAudit
	if s := (&jsonScan{b: trimmed}); s.members(f.member(s)) && s.i == len(trimmed) {
		if want := bytes.Contains(trimmed, vaultRequestKey) || isCloudTrail(trimmed); s.otherShape != want {
			t.Fatalf("scanner: other shape %v; byte searches %v, in %q", s.otherShape, want, raw)
		}
	}
	ev, taken := fastAuditEvent(trimmed)
	if !taken {
		AppendEvents(nil, raw)
		return false
	}
	want, wantErr := generalEvents(raw)
	if wantErr != nil {
		t.Fatalf("fast path took %q; the general path refuses it: %v", raw, wantErr)
	}
	if len(want) != 1 || !reflect.DeepEqual(ev, want[0]) {
		t.Fatalf("fast path read %q as\n%+v\ngeneral path:\n%+v", raw, ev, want)
	}
	if got, err := AppendEvents(nil, raw); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("AppendEvents(%q) = %+v, %v; general path %+v", raw, got, err, want)
	}
	checkDedupKey(t, &ev)
	return true
}

// fixtureRecords returns every record of the JSON fixtures, as the decoder
// splits them.
func fixtureRecords(tb testing.TB) [][]byte {
	files, _ := filepath.Glob("testdata/*.json")
	var out [][]byte
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			tb.Fatal(err)
		}
		d := NewDecoderBytes(b, Position{})
		for {
			raw, _, err := d.NextRaw()
			if err == io.EOF {
				break
			}
			if err == nil {
				out = append(out, bytes.Clone(raw))
			}
		}
	}
	return out
}

// loadgenRecord is record i as bench/ingest's loadgen writes it.
func loadgenRecord(i int) []byte {
	var b bytes.Buffer
	vault := fmt.Sprintf("kv-app%03d-prod", i%200)
	ops := [...]string{"SecretGet", "SecretList", "KeySign", "SecretGet", "VaultGet"}
	t := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Millisecond)
	fmt.Fprintf(&b, `{"time":"%s","resourceId":"/SUBSCRIPTIONS/0B1F6471-1BF0-4DDA-AEC3-CB9272F09590/RESOURCEGROUPS/RG-APPS/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/%s",`+
		`"operationName":"%s","operationVersion":"7.4","category":"AuditEvent","resultType":"Success","resultSignature":"OK","resultDescription":"",`+
		`"durationMs":"11","callerIpAddress":"10.1.%d.%d","correlationId":"%08x-5d0f-4c59-9f4b-0b3a4f0d2b11",`+
		`"identity":{"claim":{"oid":"5c3f1a2b-9d4e-4f6a-8b7c-%012x","appid":"04b07795-8ddb-461a-bbee-02f9e1bf7b46"}},`+
		`"properties":{"id":"https://%s.vault.azure.net/secrets/app-setting-%d/9f2c4e6a8b0d1f3e5a7c9e1b3d5f7a9c","clientInfo":"azsdk-go-azsecrets/v1.5.1 (go1.26.8; linux)",`+
		`"requestUri":"https://%s.vault.azure.net/secrets/app-setting-%d/?api-version=7.4","httpStatusCode":200,"isAccessPolicyMatch":true}}`,
		t.Format("2006-01-02T15:04:05.0000000Z"), vault, ops[i%len(ops)], (i/250)%250, i%250, i, i%1000, vault, i%40, vault, i%40)
	return b.Bytes()
}

// A decoy read as Key Vault writes it: the fast path's record.
const fastBase = `{"time":"2026-11-20T08:00:01.1234567Z","resourceId":"/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-PAY","operationName":"SecretGet","category":"AuditEvent","resultType":"Success","callerIpAddress":"203.0.113.7","correlationId":"c1","identity":{"claim":{"oid":"o1","upn":"m@contoso.com"}},"properties":{"id":"https://kv-pay.vault.azure.net/secrets/stripe-key/v1","requestUri":"https://kv-pay.vault.azure.net/secrets/stripe-key/?api-version=7.4","clientInfo":"go","httpStatusCode":200}`

// fastCases are records the fast path must take, or leave to the general
// path, with why.
var fastCases = []struct {
	name, raw string
	take      bool
}{
	{"canonical record", fastBase + `}`, true},
	{"unknown members of any type", fastBase + `,"durationMs":"12","x":[1,{"a":null}],"tls":true,"n":-1.5e3}`, true},
	{"escapes in values", `{"time":"2026-11-20T08:00:01Z","operationName":"Secret\u0047et","properties":{"requestUri":"https://kv.vault.azure.net/secrets/a\/b"}}`, true},
	{"unknown claims and identity members", `{"time":"2026-11-20T08:00:01Z","operationName":"SecretGet","identity":{"claim":{"roles":["a"],"oid":"o"},"type":1}}`, true},
	{"no claims", `{"time":"2026-11-20T08:00:01Z","operationName":"SecretGet","identity":{"claim":{}}}`, true},

	{"key in another case", fastBase + `,"Time":"2026-11-20T08:00:02Z"}`, false},
	{"key repeated", fastBase + `,"operationName":"SecretList"}`, false},
	{"key with an escape", fastBase + `,"\u0074ime":"2026-11-20T08:00:02Z"}`, false},
	{"Kelvin sign folding to a wire key", `{"time":"2026-11-20T08:00:01Z","operationName":"SecretGet","properties":{"requestUri":"x"},"\u212Aind":1,"TIMEGENERATED":"x"}`, false},
	{"long s folding to a wire key", "{\"time\":\"2026-11-20T08:00:01Z\",\"operationName\":\"SecretGet\",\"Re\xc5\xbfource\":\"kv-other\"}", false},
	{"long s in a properties key", "{\"time\":\"2026-11-20T08:00:01Z\",\"operationName\":\"SecretGet\",\"properties\":{\"requestUri\":\"x\",\"requestUri\xc5\xbf\":1}}", false},
	{"claim in upper case", `{"time":"2026-11-20T08:00:01Z","operationName":"SecretGet","identity":{"claim":{"oid":"a","OID":"b"}}}`, false},
	{"claims beside claim", `{"time":"2026-11-20T08:00:01Z","operationName":"SecretGet","identity":{"claim":{},"Claims":{"oid":"b"}}}`, false},
	{"number where text belongs", fastBase + `,"resultType":200}`, false},
	{"status as text", `{"time":"2026-11-20T08:00:01Z","operationName":"SecretGet","properties":{"httpStatusCode":"200"}}`, false},
	{"status with a fraction", `{"time":"2026-11-20T08:00:01Z","operationName":"SecretGet","properties":{"httpStatusCode":200.5}}`, false},
	{"identity as text", `{"time":"2026-11-20T08:00:01Z","operationName":"SecretGet","identity":"{\"claim\":{}}"}`, false},
	{"invalid JSON in an unknown member", fastBase + `,"x":[1,]}`, false},
	{"invalid JSON after the object", fastBase + `}}`, false},
	{"control character in a string", fastBase + ",\"x\":\"a\tb\"}", false},
	{"leading zero", fastBase + `,"x":01}`, false},
	{"AzureDiagnostics column", fastBase + `,"requestUri_s":"https://kv.vault.azure.net/secrets/other"}`, false},
	{"Activity-log operation", `{"time":"2026-11-20T08:00:01Z","operationName":"MICROSOFT.KEYVAULT/VAULTS/WRITE","category":"AuditEvent"}`, false},
	{"other category", fastBase + `,"Category":"Administrative"}`, false},
	{"sign-in category", `{"time":"2026-11-20T08:00:01Z","operationName":"SecretGet","category":"ServicePrincipalSignInLogs"}`, false},
	{"Vault entry key", fastBase + `,"request":{}}`, false},
	{"CloudTrail key", fastBase + `,"eventSource":"secretsmanager.amazonaws.com"}`, false},
	{"Vault entry key's bytes ending a value", fastBase + `,"ua":"a \"request"}`, false},
	{"CloudTrail key's bytes ending a value", fastBase + `,"ua":"\"eventSource"}`, false},
	{"CloudTrail key's bytes inside a value", fastBase + `,"ua":"\"eventSource\" x"}`, true},
	{"no time", `{"operationName":"SecretGet"}`, false},
	{"nothing to read", `{"time":"2026-11-20T08:00:01Z"}`, false},
}

func TestFastAuditAgrees(t *testing.T) {
	for _, tc := range fastCases {
		t.Run(tc.name, func(t *testing.T) {
			if got := checkFastAgrees(t, []byte(tc.raw)); got != tc.take {
				t.Errorf("fast path took it: %v; want %v", got, tc.take)
			}
		})
	}
}

// TestFastAuditTakesRealRecords checks the fast path is the one that reads
// the records live ingestion sees most, and reads them as the general path.
func TestFastAuditTakesRealRecords(t *testing.T) {
	for i := range 50 {
		if raw := loadgenRecord(i); !checkFastAgrees(t, raw) {
			t.Fatalf("fast path declined loadgen record %s", raw)
		}
	}
	taken := 0
	for _, raw := range fixtureRecords(t) {
		if checkFastAgrees(t, raw) {
			taken++
		}
	}
	if taken == 0 {
		t.Fatal("fast path took none of the fixtures' records")
	}
}

// FuzzFastAudit is the differential test of the fast path: on any input,
// AppendEvents gives what the general path alone gives, and whatever the
// fast path takes the general path reads alike, without error.
func FuzzFastAudit(f *testing.F) {
	addFixtures(f)
	for _, raw := range fixtureRecords(f) {
		f.Add(raw)
	}
	for i := range 5 {
		f.Add(loadgenRecord(i))
	}
	for _, tc := range fastCases {
		f.Add([]byte(tc.raw))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkFastAgrees(t, b)
	})
}

// FuzzFastAuditMember puts one member, its key and value as the fuzzer
// spells them, at each level the fast path reads (the record, properties,
// identity, identity.claim) and in place of a text field's value, and
// checks the paths agree: FuzzFastAudit's mutations of whole records seldom
// keep one the fast path takes.
func FuzzFastAuditMember(f *testing.F) {
	for _, key := range []string{"time", "Time", "resourceId", "requestUri", "REQUESTURI", "id", "ID", "claim", "Claims", "oid", "OID", "upn",
		"appid", "ipaddr", "httpStatusCode", "identity", "properties", "\u017Fource", "\u212Aind", `\u0074ime`, "x", "request", "eventSource"} {
		for _, value := range []string{`"x"`, `"  https://kv9.vault.azure.net/secrets/db-pass/v2 "`, `1`, `-0.5e+3`, `null`, `true`, `{}`, `[]`, `{"a":[1,{"b":null}]}`,
			`"\u0000\ud800\n"`, "\"\xff\"", `200`, `"200"`, `"a\/b"`, `"SecretGet/x"`, `"x\"request"`, `"\"eventSource"`, `["\"eventSource"]`} {
			f.Add(key, value)
		}
	}
	const head = `{"time":"2026-11-20T08:00:01Z","operationName":"SecretGet",`
	f.Fuzz(func(t *testing.T, key, value string) {
		member := `"` + key + `":` + value
		for _, raw := range []string{
			fastBase + `,` + member + `}`,
			head + `"properties":{"requestUri":"https://kv.vault.azure.net/secrets/x",` + member + `}}`,
			head + `"identity":{` + member + `}}`,
			head + `"identity":{"claim":{"oid":"o",` + member + `}}}`,
			`{"time":"2026-11-20T08:00:01Z","properties":{"requestUri":"https://kv.vault.azure.net/secrets/x"},"operationName":` + value + `}`,
			head + `"properties":{"httpStatusCode":` + value + `,"id":"https://kv.vault.azure.net/keys/k"}}`,
		} {
			checkFastAgrees(t, []byte(raw))
		}
	})
}

// TestFastClaimNames checks the fast path reads the claims the general
// path reads, no more, no fewer.
func TestFastClaimNames(t *testing.T) {
	if len(fastClaimIndex) != len(readClaims) {
		t.Fatalf("fast path reads %d claims; the general path %d", len(fastClaimIndex), len(readClaims))
	}
	for n := range readClaims {
		if _, ok := fastClaimIndex[n]; !ok {
			t.Errorf("claim %q not read by the fast path", n)
		}
	}
}
