package awsemu

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
)

// FuzzParseAuthorization: whatever the header, the parser either refuses
// it or returns a scope and signature of SigV4's shape, and formatting
// what it returned parses back to the same.
func FuzzParseAuthorization(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240731/us-east-1/secretsmanager/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + strings.Repeat("ab", 32))
	f.Add("AWS4-HMAC-SHA256 Credential=x/2024/us/sm/aws4_request,SignedHeaders=host,Signature=00")
	f.Add("AWS4-ECDSA-P256-SHA256 Credential=a/b")
	f.Add("")
	f.Add("AWS4-HMAC-SHA256 ,,,")
	f.Fuzz(func(t *testing.T, h string) {
		a, err := parseAuthorization(h)
		if err != nil {
			return
		}
		if len(a.Signature) != 64 || len(a.Date) != 8 || !allDigits(a.Date) || a.Region == "" || a.Service == "" || a.AccessKeyID == "" ||
			!slices.IsSorted(a.SignedHeaders) || !slices.Contains(a.SignedHeaders, "host") {
			t.Fatalf("accepted %q as %+v", h, a)
		}
		again := sigV4Algorithm + " Credential=" + a.AccessKeyID + "/" + a.scope() + ", SignedHeaders=" + strings.Join(a.SignedHeaders, ";") + ", Signature=" + a.Signature
		b, err := parseAuthorization(again)
		if err != nil || b.scope() != a.scope() || b.AccessKeyID != a.AccessKeyID || !slices.Equal(b.SignedHeaders, a.SignedHeaders) || b.Signature != a.Signature {
			t.Fatalf("%q parsed as %+v, reformatted as %q: %+v, %v", h, a, again, b, err)
		}
	})
}

// fuzzValue is the value of every secret the request fuzzer starts with:
// it must never show in a record.
const fuzzValue = "fuzz-secret-value-7d1e"

// FuzzRequestBody drives every operation's JSON decoding and handling with
// arbitrary bodies as an authorised caller: nothing panics, an error is
// AWS-shaped (400 or 413 with a code), a success encodes as JSON, and the
// call leaves exactly one well-formed record (and BatchGet its per-secret
// ones) that never holds a secret value.
func FuzzRequestBody(f *testing.F) {
	seeds := []struct{ op, body string }{
		{"CreateSecret", `{"Name":"n1","SecretString":"v","Tags":[{"Key":"k","Value":"v"}],"ClientRequestToken":"0123456789abcdef0123456789abcdef"}`},
		{"GetSecretValue", `{"SecretId":"prod/db","VersionStage":"AWSPREVIOUS"}`},
		{"GetSecretValue", `{"SecretId":"arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db"}`},
		{"BatchGetSecretValue", `{"SecretIdList":["prod/db","x"]}`},
		{"BatchGetSecretValue", `{"Filters":[{"Key":"name","Values":["!prod"]}],"MaxResults":1}`},
		{"ListSecrets", `{"MaxResults":1,"NextToken":"YXdzZW11LW9mZnNldDox"}`},
		{"PutSecretValue", `{"SecretId":"prod/db","SecretBinary":"AAE=","VersionStages":["X"]}`},
		{"UpdateSecret", `{"SecretId":"prod/db","Description":null}`},
		{"DeleteSecret", `{"SecretId":"prod/db","RecoveryWindowInDays":7}`},
		{"RestoreSecret", `{"SecretId":"prod/db"}`},
		{"TagResource", `{"SecretId":"prod/db","Tags":[]}`},
		{"UntagResource", `{"SecretId":"prod/db","TagKeys":["k"]}`},
		{"ListSecretVersionIds", `{"SecretId":"prod/db","IncludeDeprecated":true}`},
		{"DescribeSecret", `{"SecretId":1}`},
		{"DescribeSecret", `[]`},
		{"CreateSecret", `{"Name":"a"}{"Name":"b"}`},
	}
	for _, s := range seeds {
		f.Add(s.op, []byte(s.body))
	}
	e, err := New(Options{})
	if err != nil {
		f.Fatal(err)
	}
	sink := &resettableSink{}
	if err := e.AddSink(sink, SinkOptions{}); err != nil {
		f.Fatal(err)
	}
	if err := e.PutUser("fuzzer", AllowAll()); err != nil {
		f.Fatal(err)
	}
	creds, _ := e.NewAccessKey("fuzzer")
	key := e.lookupKey(creds.AccessKeyID)
	// Each input runs against a fresh store holding the same three
	// secrets, so an input means the same thing whenever it runs.
	seeded := func() *regionStore {
		st := newRegionStore()
		for _, n := range []string{"prod/db", "n1", "a"} {
			c := fuzzCall(e, key, st, "CreateSecret")
			c.body, _ = json.Marshal(map[string]string{"Name": n, "SecretString": fuzzValue})
			if _, err := c.createSecret(); err != nil {
				f.Fatal(err)
			}
		}
		return st
	}
	f.Fuzz(func(t *testing.T, op string, body []byte) {
		spec, ok := operations[op]
		if !ok {
			return
		}
		c := fuzzCall(e, key, seeded(), op)
		c.body = body
		resp, aerr := spec.run(c)
		if aerr != nil {
			if aerr.code == "" || aerr.status != 400 && aerr.status != 413 {
				t.Fatalf("%s %q: error %+v", op, body, aerr)
			}
		} else if _, err := json.Marshal(resp); err != nil {
			t.Fatalf("%s %q: response does not encode: %v", op, body, err)
		}
		sink.reset()
		c.record(spec, resp, aerr)
		if err := e.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
		recs := sink.take()
		if len(recs) != 1+len(c.extra) {
			t.Fatalf("%s %q: %d records; want %d", op, body, len(recs), 1+len(c.extra))
		}
		var r trailRecord
		if err := json.Unmarshal(recs[0].JSON, &r); err != nil || r.EventName != op {
			t.Fatalf("%s %q: record %s: %v", op, body, recs[0].JSON, err)
		}
		if p := strings.TrimSpace(string(r.RequestParameters)); p != "null" && !strings.HasPrefix(p, "{") {
			t.Fatalf("requestParameters %s", p)
		}
		for _, rec := range recs {
			if strings.Contains(string(rec.JSON), fuzzValue) {
				t.Fatalf("%s %q: a record holds a secret value: %s", op, body, rec.JSON)
			}
		}
	})
}

// resettableSink keeps the records since its last reset: a memory sink
// would grow, and copying it, with every input.
type resettableSink struct {
	mu   sync.Mutex
	recs []Record
}

func (s *resettableSink) Write(_ context.Context, recs []Record) error {
	s.mu.Lock()
	s.recs = append(s.recs, recs...)
	s.mu.Unlock()
	return nil
}

func (s *resettableSink) reset() { s.mu.Lock(); s.recs = nil; s.mu.Unlock() }

func (s *resettableSink) take() []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.recs
}

// fuzzCall is an authenticated call of op by key on a us-east-1 store,
// without the HTTP round trip.
func fuzzCall(e *Emulator, key *accessKey, st *regionStore, op string) *call {
	r := httptest.NewRequest("POST", "https://127.0.0.1/", nil)
	return &call{e: e, r: r, op: op, key: key, keyID: key.id, region: "us-east-1", store: st, requestID: newUUID(), now: e.Now()}
}

func TestParseAuthorizationRefusals(t *testing.T) {
	sig := strings.Repeat("0f", 32)
	good := "AWS4-HMAC-SHA256 Credential=AKID/20240731/us-east-1/secretsmanager/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + sig
	if a, err := parseAuthorization(good); err != nil || a.AccessKeyID != "AKID" || a.Region != "us-east-1" || a.Service != "secretsmanager" || a.Date != "20240731" {
		t.Fatalf("parseAuthorization(good) = %+v, %v", a, err)
	}
	bad := []string{
		strings.Replace(good, "AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256", 1),
		strings.Replace(good, "host;x-amz-date", "x-amz-date;host", 1),
		strings.Replace(good, "host;x-amz-date", "x-amz-date", 1),
		strings.Replace(good, "20240731", "2024-07-31", 1),
		strings.Replace(good, "aws4_request", "aws4", 1),
		strings.Replace(good, sig, strings.ToUpper(sig), 1),
		good + ", Signature=" + sig,
		good + ", Extra=1",
		"AWS4-HMAC-SHA256",
	}
	for _, h := range bad {
		if a, err := parseAuthorization(h); err == nil {
			t.Errorf("accepted %q as %+v", h, a)
		}
	}
}
