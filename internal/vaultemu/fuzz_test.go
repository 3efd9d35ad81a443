package vaultemu

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseBody: any body either parses to one JSON object that encodes
// back to the same value, or is refused with an error; never a panic.
func FuzzParseBody(f *testing.F) {
	for _, s := range []string{
		``, `{}`, `   `, `{"data":{"password":"x"},"options":{"cas":0}}`, `{"versions":[1,"2"]}`,
		`[]`, `"x"`, `null`, `{"a":1}{"b":2}`, `{"n":12345678901234567890}`, `{"a":`, "\xef\xbb\xbf{}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := parseBody(body)
		if err != nil {
			if m != nil {
				t.Fatalf("error %v with a value %v", err, m)
			}
			return
		}
		if m == nil {
			if len(bytes.TrimSpace(body)) != 0 {
				t.Fatalf("no data and no error for %q", body)
			}
			return
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("parsed value does not encode: %v", err)
		}
		again, err := parseBody(b)
		if err != nil || !reflect.DeepEqual(again, m) {
			t.Fatalf("re-parse of %s = %v, %v; want %v", b, again, err, m)
		}
	})
}

// FuzzServeBody sends any body to the KV endpoints, audited: the answer is
// always a status Vault uses with a JSON body (or none), and a refused
// write leaves the store as it was.
func FuzzServeBody(f *testing.F) {
	for _, s := range []string{
		`{"data":{"k":"v"}}`, `{"data":{"k":"v"},"options":{"cas":"x"}}`, `{"versions":["a"]}`, `{"versions":[]}`,
		`{"max_versions":-1}`, `{"custom_metadata":{"a":1}}`, `{"type":"file","options":{"file_path":""}}`,
		`{"input":5}`, `{"data":null}`, `not json`,
	} {
		f.Add("data/a/b", "POST", []byte(s))
		f.Add("metadata/a/b", "PATCH", []byte(s))
	}
	f.Add("destroy/a/b", "PUT", []byte(`{"versions":[1]}`))
	f.Fuzz(func(t *testing.T, sub, method string, body []byte) {
		s, err := New(Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Seed("secret", SecretSeed{Path: "a/b", Versions: []map[string]string{{"k": "v"}}}); err != nil {
			t.Fatal(err)
		}
		if err := s.EnableFileAudit("file", "discard", AuditOptions{ElideListResponses: true}); err != nil {
			t.Fatal(err) // entries of fuzzed calls are formatted, then dropped
		}
		before := snapshot(s)
		if !validMethod(method) {
			return
		}
		req := httptest.NewRequest(method, "/v1/secret/", bytes.NewReader(body))
		req.URL.Path += sub // any path, even one no request line could carry
		req.Header.Set("X-Vault-Token", s.RootToken())
		req.Header.Set("Content-Type", "application/merge-patch+json")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != http.StatusNoContent {
			var v map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
				t.Fatalf("%s %s %q: status %d body %q is not a JSON object", method, sub, body, rec.Code, rec.Body)
			}
			if rec.Code >= 400 && v["errors"] == nil && v["data"] == nil && v["warnings"] == nil {
				t.Fatalf("error %d without errors: %s", rec.Code, rec.Body)
			}
		}
		if rec.Code == http.StatusBadRequest && !reflect.DeepEqual(snapshot(s), before) {
			t.Fatalf("a refused %s %s %q changed the store", method, sub, body)
		}
	})
}

func validMethod(m string) bool {
	switch m {
	case "GET", "POST", "PUT", "PATCH", "DELETE", "LIST":
		return true
	}
	return false
}

// snapshot renders every secret's metadata and data, to compare states.
func snapshot(s *Server) string {
	var b strings.Builder
	for _, mp := range s.Mounts() {
		s.mu.Lock()
		m := s.mounts[mp]
		s.mu.Unlock()
		m.mu.Lock()
		for _, p := range sortedKeys(m.secrets) {
			sec := m.secrets[p]
			md, _ := json.Marshal(sec.fullMetadata())
			b.WriteString(mp + p + string(md))
			for n, v := range sec.versions {
				d, _ := json.Marshal(v.data)
				b.WriteString(itoa(n) + string(d))
			}
		}
		m.mu.Unlock()
	}
	return b.String()
}

func sortedKeys(m map[string]*kvSecret) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// FuzzPolicyGlob checks the matcher against a regular expression built
// from Vault's documented glob meaning: "+" one segment, a final "*" any
// suffix.
func FuzzPolicyGlob(f *testing.F) {
	for _, s := range [][2]string{
		{"kv/data/apps/*", "kv/data/apps/payments/db"}, {"kv/data/+/db", "kv/data/payments/db"},
		{"kv/data/+/db*", "kv/data/x/dbs/old"}, {"kv/metadata/apps/+", "kv/metadata/apps/"},
		{"a/+/+/c", "a//b/c"}, {"*", ""}, {"kv/*/x", "kv/a/x"}, {"kv/x+", "kv/x+"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, path string) {
		p, err := parsePattern(pattern)
		if err != nil || !utf8.ValidString(pattern) || !utf8.ValidString(path) {
			return // the oracle's regexp needs UTF-8; Vault's paths are
		}
		var re strings.Builder
		re.WriteString("^")
		body, prefix := strings.CutSuffix(pattern, "*")
		for i, seg := range strings.Split(body, "/") {
			if i > 0 {
				re.WriteString("/")
			}
			if seg == "+" {
				re.WriteString("[^/]*")
			} else {
				re.WriteString(regexp.QuoteMeta(seg))
			}
		}
		if prefix {
			re.WriteString("(?s:.*)")
		}
		re.WriteString("$")
		want := regexp.MustCompile(re.String()).MatchString(path)
		if got := p.match(path); got != want {
			t.Fatalf("pattern %q path %q: match %v; want %v", pattern, path, got, want)
		}
	})
}
