package detect

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/coregx/ahocorasick"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/registry"
)

func TestPrefilter(t *testing.T) {
	p := NewPrefilter([]string{"db-password", "Signing-Key", "a"})
	tests := []struct {
		name, record string
		want         bool
	}{
		{"plain", `"requestUri":"https://kv.vault.azure.net/secrets/db-password/?api-version=7.4"`, true},
		{"other case", `"requestUri":"https://kv.vault.azure.net/SECRETS/DB-PASSWORD"`, true},
		{"key", `"id":"https://kv.vault.azure.net/keys/signing-key/abc"`, true},
		{"one-letter name", `"id":"https://kv.vault.azure.net/keys/A"`, true},
		{"end of input", `/db-password`, true},
		{"prefix look-alike", `"requestUri":"https://kv.vault.azure.net/secrets/db-password-old"`, false},
		{"suffix look-alike", `"requestUri":"https://kv.vault.azure.net/secrets/old-db-password"`, false},
		{"not after a slash", `"note":"db-password"`, false},
		{"percent-encoded name byte", `"requestUri":"https://kv.vault.azure.net/secrets/db%2Dpassword"`, true},
		{"percent-encoded slash", `"requestUri":"https://kv.vault.azure.net/secrets%2fdb-password"`, true},
		{"percent-encoded backslash", `"requestUri":"https://kv.vault.azure.net/secrets%5Cdb-password"`, true},
		{"harmless percent-escape", `"requestUri":"https://kv.vault.azure.net/secrets?x=%3D%20"`, false},
		{"JSON unicode escape", `"requestUri":"https://kv.vault.azure.net/secrets/db\u002dpassword"`, true},
		{"JSON escaped slash", `"requestUri":"https:\/\/kv.vault.azure.net\/secrets\/db-password"`, true},
		{"JSON escaped backslash", `"requestUri":"https://kv.vault.azure.net/secrets\\db-password"`, true},
		{"JSON escaped quote only", `"resultDescription":"say \"hi\"","requestUri":"https://kv.vault.azure.net/secrets/x"`, false},
		{"nothing", ``, false},
	}
	for _, tt := range tests {
		if got := p.Match([]byte(tt.record)); got != tt.want {
			t.Errorf("%s: Match(%s) = %v; want %v", tt.name, tt.record, got, tt.want)
		}
	}
	if NewPrefilter(nil).Match([]byte(`/x/y/z`)) {
		t.Error("an empty prefilter matched")
	}
}

// TestPrefilterNeverMisses builds records in every spelling a caller can
// choose and checks that whenever the full parse and index find a decoy,
// the prefilter passed the record.
func TestPrefilterNeverMisses(t *testing.T) {
	decoys := testDecoys()
	ix, _ := NewIndex(decoys)
	var names []string
	ix.Names(func(n string) { names = append(names, n) })
	p := NewPrefilter(names)
	rng := rand.New(rand.NewPCG(7, 7))
	hits := 0
	for i := 0; i < 20000; i++ {
		d := decoys[rng.IntN(len(decoys))]
		uri := randomSpelling(rng, d)
		b := recordBytes(rng, d.VaultID, uri)
		ev, err := auditlog.ParseRecord(b)
		if err != nil {
			t.Fatalf("ParseRecord(%s): %v", b, err)
		}
		if len(ix.Lookup(&ev)) == 0 {
			continue
		}
		hits++
		if !p.Match(b) {
			t.Fatalf("prefilter missed a decoy access:\n%s", b)
		}
	}
	if hits < 5000 {
		t.Errorf("only %d of the generated records touched a decoy", hits)
	}
}

// randomSpelling writes a URI for decoy d the way an evasive caller might.
func randomSpelling(rng *rand.Rand, d registry.Decoy) string {
	vault, _ := registry.VaultNameFromID(d.VaultID)
	coll := map[registry.Type]string{registry.Secret: "secrets", registry.Key: "keys", registry.Certificate: "certificates"}[d.Type]
	if d.Type == registry.Certificate && rng.IntN(2) == 0 {
		coll = []string{"keys", "secrets"}[rng.IntN(2)]
	}
	if rng.IntN(4) == 0 {
		coll = "deleted" + coll
	}
	host := vault + []string{".vault.azure.net", ".vault.azure.net:443", ".vault.azure.cn", ".vault.usgovcloudapi.net", ".vault.microsoftazure.de"}[rng.IntN(5)]
	path := "/" + coll + "/" + d.Name
	path = []string{path, path + "/", path + "/0123456789abcdef0123456789abcdef", "/keys/.." + path, "/" + coll + "%2F" + d.Name}[rng.IntN(5)]
	var b strings.Builder
	for _, c := range []byte(path) {
		switch r := rng.IntN(10); {
		case r == 0 && c != '/':
			fmt.Fprintf(&b, "%%%02X", c)
		case r == 1:
			b.WriteString(strings.ToUpper(string(c)))
		case r == 2 && c == '/':
			b.WriteString(`\`)
		default:
			b.WriteByte(c)
		}
	}
	uri := "https://" + host + b.String()
	if rng.IntN(3) == 0 {
		uri += "?api-version=7.4"
	}
	return uri
}

// recordBytes writes a record, sometimes with JSON escapes a serialiser
// might choose.
func recordBytes(rng *rand.Rand, vaultID, uri string) []byte {
	b, _ := json.Marshal(map[string]any{
		"time": "2026-11-20T08:00:00Z", "resourceId": strings.ToUpper(vaultID), "operationName": "SecretGet",
		"properties": map[string]any{"requestUri": uri, "httpStatusCode": 403},
	})
	switch rng.IntN(3) {
	case 0:
		b = bytes.ReplaceAll(b, []byte("/"), []byte(`\/`))
	case 1:
		var out []byte
		for _, c := range b {
			if c >= 'a' && c <= 'z' && rng.IntN(8) == 0 {
				out = fmt.Appendf(out, `\u%04x`, c)
			} else {
				out = append(out, c)
			}
		}
		if json.Valid(out) {
			b = out
		}
	}
	return b
}

// FuzzPrefilter checks the never-miss property on any input: whatever
// object name the parser reads from a record, a prefilter of that name (in
// another case) passes the record.
func FuzzPrefilter(f *testing.F) {
	f.Add([]byte(`{"time":"2026-11-20T08:00:00Z","operationName":"SecretGet","properties":{"requestUri":"https://kv.vault.azure.net/secrets/db-password/"}}`))
	f.Add([]byte(`{"time":"2026-11-20T08:00:00Z","operationName":"SecretGet","properties":{"requestUri":"https:\/\/kv.vault.azure.net\/secrets\/d\u0062%2Dx"}}`))
	f.Add([]byte(`{"TimeGenerated":"2026-11-20T08:00:00Z","OperationName":"KeyGet","id_s":"kv.vault.azure.net/keys/../keys//K%31"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, err := auditlog.ParseRecord(b)
		if err != nil || ev.ObjectName == "" {
			return
		}
		if !NewPrefilter([]string{strings.ToUpper(ev.ObjectName)}).Match(b) {
			t.Fatalf("prefilter for %q missed %s", ev.ObjectName, b)
		}
	})
}

// benchCorpus is JSON lines of realistic records; one in 2,000 names a decoy.
func benchCorpus(names []string, size int) []byte {
	rng := rand.New(rand.NewPCG(1, 1))
	var buf bytes.Buffer
	for i := 0; buf.Len() < size; i++ {
		name := fmt.Sprintf("app-%d-setting-%d", rng.IntN(500), rng.IntN(40))
		if i%2000 == 0 {
			name = names[rng.IntN(len(names))]
		}
		fmt.Fprintf(&buf, `{"time":"2026-11-20T08:%02d:%02d.1234567Z","resourceId":"/SUBSCRIPTIONS/0B1F6471-1BF0-4DDA-AEC3-CB9272F09590/RESOURCEGROUPS/RG-APP-%d/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-APP-%04d","operationName":"SecretGet","operationVersion":"7.4","category":"AuditEvent","resultType":"Success","resultSignature":"OK","resultDescription":"","durationMs":"12","callerIpAddress":"10.1.%d.%d","correlationId":"%08x-5d0f-4c59-9f4b-0b3a4f0d2b11","identity":{"claim":{"oid":"5c3f1a2b-9d4e-4f6a-8b7c-%012x","appid":"04b07795-8ddb-461a-bbee-02f9e1bf7b46"}},"properties":{"id":"https://kv-app-%04d.vault.azure.net/secrets/%s/9f2c4e6a8b0d1f3e5a7c9e1b3d5f7a9c","clientInfo":"azsdk-go-azsecrets/v1.5.1 (go1.26.8; linux)","requestUri":"https://kv-app-%04d.vault.azure.net/secrets/%s/?api-version=7.4","httpStatusCode":200,"isAccessPolicyMatch":true}}`+"\n",
			i%60, i%60, i%50, i%2000, i%256, i%200, i, i, i%2000, name, i%2000, name)
	}
	return buf.Bytes()
}

func benchNames(n int) []string {
	words := []string{"sql", "admin", "password", "storage", "key", "api", "token", "backup", "prod", "connection", "string", "secret", "cert", "signing", "jwt", "oauth", "client"}
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%s-%s-%d", words[i%17], words[(i/17)%17], words[(i/289)%17], i)
	}
	return out
}

// BenchmarkPrefilter measures the prefilter over JSON lines with 10,000
// names, line by line as the scanner runs it.
func BenchmarkPrefilter(b *testing.B) {
	names := benchNames(10000)
	corpus := benchCorpus(names, 32<<20)
	p := NewPrefilter(names)
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

// BenchmarkAhoCorasick is the alternative the design rejected: coregx's
// automaton (no case-insensitive mode) over text lower-cased first, finding
// the lines that contain any name.
func BenchmarkAhoCorasick(b *testing.B) {
	names := benchNames(10000)
	corpus := benchCorpus(names, 32<<20)
	ac, err := ahocorasick.NewBuilder().AddStrings(names).Build()
	if err != nil {
		b.Fatal(err)
	}
	lower := make([]byte, len(corpus))
	b.SetBytes(int64(len(corpus)))
	for b.Loop() {
		for i, c := range corpus {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			lower[i] = c
		}
		n := 0
		for at := 0; at < len(lower); {
			m, ok := ac.Find(lower, at)
			if !ok {
				break
			}
			n++
			end := bytes.IndexByte(lower[m.End:], '\n')
			if end < 0 {
				break
			}
			at = m.End + end + 1
		}
		if n == 0 {
			b.Fatal("no candidates")
		}
	}
}
