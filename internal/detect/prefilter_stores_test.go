package detect

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/registry"
)

func TestPrefilterStoreNames(t *testing.T) {
	ix, err := NewIndex([]registry.Decoy{
		{VaultID: "arn:aws:secretsmanager:us-east-1:111122223333", Name: "prod/db/admin-password", Type: registry.Secret},
		{VaultID: "arn:aws:secretsmanager:us-east-1:111122223333", Name: "AppKey", Type: registry.Secret},
		{VaultID: "vault://prod/secret", Name: "apps/payments/ledger", Type: registry.Secret},
		{VaultID: "/subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/kv-a", Name: "db-pass", Type: registry.Secret},
	})
	if err != nil {
		t.Fatal(err)
	}
	p := ix.Prefilter()
	tests := []struct {
		record string
		want   bool
	}{
		{`{"eventSource":"secretsmanager.amazonaws.com","requestParameters":{"secretId":"prod/db/admin-password"}}`, true},
		{`{"eventSource":"secretsmanager.amazonaws.com","requestParameters":{"secretId":"PROD/DB/ADMIN-PASSWORD"}}`, true}, // folded: the matcher decides case
		{`{"eventSource":"secretsmanager.amazonaws.com","requestParameters":{"secretId":"arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db/admin-password-AbC123"}}`, true},
		{`{"eventSource":"secretsmanager.amazonaws.com","requestParameters":{"secretId":"arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db/admin-password"}}`, true},
		{`{"eventSource":"secretsmanager.amazonaws.com","resources":[{"ARN":"arn:aws:secretsmanager:us-east-1:111122223333:secret:AppKey-9zYx8W"}]}`, true},
		{`{"eventSource":"secretsmanager.amazonaws.com","requestParameters":{"secretIdList":["x","AppKey"]}}`, true},
		{`{"request":{"path":"secret/data/apps/payments/ledger"}}`, true},
		{`{"request":{"path":"secret/metadata/apps/payments/ledger"}}`, true},
		{`{"properties":{"requestUri":"https://kv-a.vault.azure.net/secrets/db-pass"}}`, true},
		{`{"eventSource":"secretsmanager.amazonaws.com","requestParameters":{"secretId":"prod/db/admin-password2"}}`, false},
		{`{"eventSource":"secretsmanager.amazonaws.com","requestParameters":{"secretId":"prod/db/admin"}}`, false},
		{`{"eventSource":"secretsmanager.amazonaws.com","requestParameters":{"secretId":"AppKeys"}}`, false},
		{`{"eventSource":"secretsmanager.amazonaws.com","requestParameters":{"secretId":"arn:aws:secretsmanager:us-east-1:111122223333:secret:AppKey-v2-9zYx8W"}}`, false},
		{`{"eventSource":"secretsmanager.amazonaws.com","eventName":"ListSecrets","requestParameters":{"maxResults":100}}`, false},
		{`{"eventSource":"secretsmanager.amazonaws.com","requestParameters":{"secretId":"App\u004bey"}}`, true}, // an escape may hide a name: parse it
		// Only a Secrets Manager record names a Secrets Manager secret
		// (auditlog compares its eventSource with strings.EqualFold).
		{`{"eventSource":"kms.amazonaws.com","requestParameters":{"secretId":"AppKey"}}`, false},
		{`{"eventSource":"secretsmanager.amazonaws.com.evil","requestParameters":{"secretId":"AppKey"}}`, true}, // more than needed
		{`{"eventSource":"SecretsManager.AmazonAWS.com","requestParameters":{"secretId":"AppKey"}}`, true},
		{`{"detail":{"eventSource":"secretsmanager.amazonaws.com","requestParameters":{"secretId":"AppKey"}}}`, true},
		{"{\"eventSource\":\"\u017fecretsmanager.amazonaws.com\",\"requestParameters\":{\"secretId\":\"AppKey\"}}", true}, // ſ folds to s
	}
	for _, tt := range tests {
		if got := p.Match([]byte(tt.record)); got != tt.want {
			t.Errorf("Match(%s) = %v; want %v", tt.record, got, tt.want)
		}
	}
}

func TestQuotesAndNameStartsFindTheirBytesAndNothingElse(t *testing.T) {
	// Every byte value at every position, next to a quote and next to
	// bytes that make the non-exact zero-byte test misfire (0x01, 0x23).
	for _, fill := range []byte{0x00, 0x01, '"', 0x23, '0', ':', 'a', 'Z', 0x7f, 0xa2, 0xba, 0xff} {
		for pos := range 8 {
			for c := range 256 {
				var w [8]byte
				for i := range w {
					w[i] = fill
				}
				w[pos] = byte(c)
				got := quotes(binary.LittleEndian.Uint64(w[:]))
				for i, b := range w {
					if set := got>>(8*i+7)&1 == 1; set != (b == '"') {
						t.Fatalf("quotes(% x): byte %d (%#x) set=%v", w, i, b, set)
					}
				}
				if got&^0x8080808080808080 != 0 {
					t.Fatalf("quotes(% x) = %#x: bits besides the high ones", w, got)
				}
				starts := nameStarts(binary.LittleEndian.Uint64(w[:]))
				for i, b := range w {
					if set := starts>>(8*i+7)&1 == 1; set != nameStart(b) {
						t.Fatalf("nameStarts(% x): byte %d (%#x) set=%v", w, i, b, set)
					}
				}
				if starts&^0x8080808080808080 != 0 {
					t.Fatalf("nameStarts(% x) = %#x: bits besides the high ones", w, starts)
				}
			}
		}
	}
}

// BenchmarkPrefilterStores measures the prefilter over CloudTrail records
// (the shape of bench/scan/gencloudtrail's) with 10,000 Secrets Manager
// names, line by line as the scanner runs it.
func BenchmarkPrefilterStores(b *testing.B) {
	var decoys []registry.Decoy
	var names []string
	for i := range 10000 {
		n := fmt.Sprintf("prod/app-%d/db-password-%d", i%500, i)
		names = append(names, n)
		decoys = append(decoys, registry.Decoy{VaultID: fmt.Sprintf("arn:aws:secretsmanager:us-east-1:1000%08d", i%200), Name: n, Type: registry.Secret})
	}
	ix, err := NewIndex(decoys)
	if err != nil {
		b.Fatal(err)
	}
	p := ix.Prefilter()
	rng := rand.New(rand.NewPCG(1, 1))
	var buf bytes.Buffer
	for i := 0; buf.Len() < 32<<20; i++ {
		name := fmt.Sprintf("svc-%d/app-%d/config-%d", rng.IntN(50), rng.IntN(500), rng.IntN(40))
		if i%2000 == 0 {
			name = names[rng.IntN(len(names))]
		}
		fmt.Fprintf(&buf, `{"awsRegion":"us-east-1","eventCategory":"Management","eventID":"%016x","eventName":"GetSecretValue","eventSource":"secretsmanager.amazonaws.com","eventTime":"2025-03-01T00:00:00Z","eventType":"AwsApiCall","eventVersion":"1.09","managementEvent":true,"readOnly":true,"recipientAccountId":"1000%08d","requestID":"%08x-e987-4e03-80bd-1fb70dc56cbf","requestParameters":{"secretId":%q},"responseElements":null,"sourceIPAddress":"10.18.%d.%d","tlsDetails":{"cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"secretsmanager.us-east-1.amazonaws.com","tlsVersion":"TLSv1.3"},"userAgent":"aws-sdk-java/2.25.0 Linux/5.10 OpenJDK_64-Bit_Server_VM/17","userIdentity":{"accessKeyId":"ASIAF0C8891DB707BA44","accountId":"1000%08d","arn":"arn:aws:sts::1000%08d:assumed-role/svc-%d-role/svc-%d","principalId":"AROA0000000000000009:svc-%d","sessionContext":{"attributes":{"creationDate":"2025-02-28T23:00:00Z","mfaAuthenticated":"false"},"sessionIssuer":{"accountId":"1000%08d","arn":"arn:aws:iam::1000%08d:role/svc-%d-role","principalId":"AROA000000000000000E","type":"Role","userName":"svc-%d-role"}},"type":"AssumedRole"}}`+"\n",
			rng.Uint64(), i%200, rng.Uint32(), name, i%256, i%200, i%200, i%200, i%50, i%50, i%50, i%200, i%200, i%50, i%50)
	}
	corpus := buf.Bytes()
	b.SetBytes(int64(len(corpus)))
	for b.Loop() {
		n := 0
		for line := range bytes.Lines(corpus) {
			if p.Match(line) {
				n++
			}
		}
		if n == 0 {
			b.Fatal("no candidates")
		}
	}
}

// TestPrefilterStoreNamesBareTokens: the CloudTrail parser reads a
// secretId that is a JSON number or boolean as its text, so a decoy named
// like one is named by a record without quotes around it.
func TestPrefilterStoreNamesBareTokens(t *testing.T) {
	const store = "arn:aws:secretsmanager:us-east-1:111122223333"
	for _, tt := range []struct{ name, record string }{
		{"12345", `{"eventTime":"2024-07-31T12:36:52Z","eventSource":"secretsmanager.amazonaws.com","eventName":"GetSecretValue","awsRegion":"us-east-1","recipientAccountId":"111122223333","requestParameters":{"secretId":12345}}`},
		{"1.5e+3", `{"eventTime":"2024-07-31T12:36:52Z","eventSource":"secretsmanager.amazonaws.com","eventName":"GetSecretValue","awsRegion":"us-east-1","recipientAccountId":"111122223333","requestParameters":{"secretId": 1.5e+3 }}`},
		{"true", `{"eventTime":"2024-07-31T12:36:52Z","eventSource":"secretsmanager.amazonaws.com","eventName":"GetSecretValue","awsRegion":"us-east-1","recipientAccountId":"111122223333","requestParameters":{"secretIdList":[true]}}`},
	} {
		ix, err := NewIndex([]registry.Decoy{{VaultID: store, Name: tt.name, Type: registry.Secret}})
		if err != nil {
			t.Fatal(err)
		}
		events, err := auditlog.AppendEvents(nil, []byte(tt.record))
		if err != nil || len(events) != 1 || len(ix.Lookup(&events[0])) != 1 {
			t.Fatalf("%s: events %+v, %v: want one naming decoy %q", tt.record, events, err, tt.name)
		}
		if !ix.Prefilter().Match([]byte(tt.record)) {
			t.Errorf("prefilter for %q missed %s", tt.name, tt.record)
		}
	}
}

// TestNameStartIsExactlyLettersDigitsAndColon pins nameStart itself, which
// the prefilter's argument rests on.
func TestNameStartIsExactlyLettersDigitsAndColon(t *testing.T) {
	for c := range 256 {
		want := c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == ':'
		if nameStart(byte(c)) != want {
			t.Errorf("nameStart(%q) = %v", byte(c), !want)
		}
	}
}

// TestPrefilterSecretsManagerGateFollowsTheParser: the records the
// prefilter lets through for their eventSource are those from which the
// parser reads a secret, in every spelling the parser accepts.
func TestPrefilterSecretsManagerGateFollowsTheParser(t *testing.T) {
	const store = "arn:aws:secretsmanager:us-east-1:111122223333"
	ix, err := NewIndex([]registry.Decoy{{VaultID: store, Name: "AppKey", Type: registry.Secret}})
	if err != nil {
		t.Fatal(err)
	}
	p := ix.Prefilter()
	rest := `","eventName":"GetSecretValue","eventTime":"2024-07-31T12:36:52Z","awsRegion":"us-east-1","recipientAccountId":"111122223333","requestParameters":{"secretId":"AppKey"}}`
	for _, tt := range []struct {
		source string
		decoy  bool
	}{
		{"secretsmanager.amazonaws.com", true},
		{"SECRETSMANAGER.AMAZONAWS.COM", true},
		{"\u017fecretsmanager.amazonaws.com", true},
		{"secret\u017fmanager.amazonaws.com", true},
		{"kms.amazonaws.com", false},
		{"secretsmanager.amazonaws.co", false},
	} {
		record := []byte(`{"eventSource":"` + tt.source + rest)
		events, err := auditlog.AppendEvents(nil, record)
		if err != nil || len(events) != 1 {
			t.Fatalf("%s: %v, %v", record, events, err)
		}
		if got := len(ix.Lookup(&events[0])) == 1; got != tt.decoy {
			t.Fatalf("%s: parser names the decoy: %v, want %v", record, got, tt.decoy)
		}
		if got := p.Match(record); got != tt.decoy {
			t.Errorf("Match(%s) = %v, want %v", record, got, tt.decoy)
		}
	}
}

// TestMayBeBareKeepsEveryJSONValue: the first-byte test in front of
// json.Valid turns away no name that is a JSON value.
func TestMayBeBareKeepsEveryJSONValue(t *testing.T) {
	for _, name := range []string{"12345", "-1", "0.5", "1e3", "true", "false", "null", " 7", "\t1"} {
		if !json.Valid([]byte(name)) {
			t.Fatalf("%q is not JSON", name)
		}
		if !mayBeBare(name) {
			t.Errorf("mayBeBare(%q) = false", name)
		}
	}
	for c := range 256 {
		if json.Valid([]byte{byte(c)}) && !mayBeBare(string(rune(c))) {
			t.Errorf("mayBeBare(%q) = false", byte(c))
		}
	}
}
