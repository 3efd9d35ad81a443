package auditlog

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/storable"
)

// addFixtures seeds a fuzz target with every fixture file and a few
// hand-made edge cases.
func addFixtures(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	csvs, _ := filepath.Glob("testdata/*.csv")
	vault, _ := filepath.Glob("testdata/vault/*.log")
	for _, name := range append(append(files, csvs...), vault...) {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{"", "{", "[", `{"records":[`, `{"records":[{}]}`, "\xef\xbb\xbf{}", `"x"`, "[[[[", `{"a":"\u0041\\"}`,
		// Not UTF-8 in a resource id (once made byte offsets drift).
		"{\"time\":\"2026-11-20T08:00:00Z\",\"operationName\":\"SecretGet\",\"resourceId\":\"/SUBSCRIPTIONS/\xbdK\xfc/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-B\"}",
		// NULs, bytes that are not UTF-8 and lone surrogates, where text belongs.
		"{\"time\":\"2026-11-20T08:00:00Z\",\"operationName\":\"Secret\\u0000Get\",\"correlationId\":\"\xff\\n\\ud800\",\"properties\":{\"clientInfo\":\"a\\u0000\xc3\",\"requestUri\":\"https://kv.vault.azure.net/secrets/x/%00%ff\"}}",
		"{\"TimeGenerated\":\"2026-11-20T08:00:00Z\",\"OperationName\":\"SecretGet\",\"Identity\":\"{\\\"claim\\\":{\\\"upn\\\":\\\"a\\\\u0000\xf6\\\"}}\"}",
		// Wrong-typed fields.
		`{"time":"2026-11-20T08:00:00Z","operationName":"SecretGet","resourceId":["x"],"identity":"x","properties":1,"correlationId":null}`,
		`{"time":"2026-11-20T08:00:00Z","operationName":"SecretGet","identity":{"claim":{"upn":{},"roles":["a"]}},"properties":{"httpStatusCode":"OK"}}`} {
		f.Add([]byte(s))
	}
}

func FuzzParseRecord(f *testing.F) {
	addFixtures(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, err := ParseRecord(b)
		if err != nil {
			return
		}
		if ev.Kind != KindAudit && ev.Kind != KindActivity && ev.Kind != KindSignIn {
			t.Fatalf("kind %q", ev.Kind)
		}
		if ev.Shape == ShapeVaultAudit {
			checkVaultEvent(t, &ev)
		} else {
			if p := providerOf(&ev); ev.ObjectName != "" && !p.ValidName(ev.ObjectName) {
				t.Fatalf("invalid %s object name %q accepted", p, ev.ObjectName)
			}
			if ev.VaultName != strings.ToLower(ev.VaultName) {
				t.Fatalf("vault name %q not lower-cased", ev.VaultName)
			}
		}
		if f, v := unstorableField(reflect.ValueOf(ev), "Event"); f != "" {
			t.Fatalf("%s = %q: a NUL or bytes that are not UTF-8, which PostgreSQL refuses", f, v)
		}
		checkDedupKey(t, &ev)
	})
}

// unstorableField returns the first text field of v (a struct, searched
// into its structs) that is not storable, and its value. Source.File is
// the name the caller gave the input, not the record's.
func unstorableField(v reflect.Value, path string) (string, string) {
	for i := range v.NumField() {
		f, name := v.Field(i), path+"."+v.Type().Field(i).Name
		switch {
		case name == "Event.Source":
		case f.Kind() == reflect.String && !storable.Is(f.String()):
			return name, f.String()
		case f.Kind() == reflect.Struct:
			if n, s := unstorableField(f, name); n != "" {
				return n, s
			}
		}
	}
	return "", ""
}

// FuzzDecoder checks that no input panics, that memory per record stays
// bounded, and that a stream read in one go, byte by byte, and from memory
// all yield the same.
func FuzzDecoder(f *testing.F) {
	addFixtures(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		if IsGzip(b) {
			// Compressed input goes through the same decoder once
			// decompressed; here only check that it cannot blow up.
			ParseBody(b)
			return
		}
		run := func(d *Decoder) []string {
			d.MaxRecordSize = 4096
			out := outcome(d)
			if cap(d.rec) > 2*4096+64 {
				t.Fatalf("record buffer %d bytes", cap(d.rec))
			}
			return out
		}
		want := strings.Join(run(NewDecoderBytes(b, Position{})), "\n")
		if got := strings.Join(run(NewDecoder(iotest.OneByteReader(strings.NewReader(string(b))), "")), "\n"); got != want {
			t.Fatalf("byte by byte:\n%s\nfrom memory:\n%s", got, want)
		}
		if _, _, err := ParseBody(b); err != nil && !errors.Is(err, ErrNotJSON) {
			t.Fatalf("ParseBody: %v", err)
		}
	})
}

// FuzzCSVExport reads arbitrary text after (or instead of) a Log Analytics
// CSV header: nothing panics, a stream read byte by byte yields what the
// body does, and every row comes out as a valid JSON object that holds the
// row's fields.
func FuzzCSVExport(f *testing.F) {
	for _, name := range []string{"testdata/azurediagnostics.csv", "testdata/azkvauditlogs.csv"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		"\"TimeGenerated [UTC]\",OperationName\n\"11/20/2026, 8:00:01 AM\",SecretGet\n",
		"TimeGenerated,OperationName,Identity\n2026-11-20T08:00:01Z,SecretGet,\"{\"\"claim\"\":{}}\"\n",
		"TimeGenerated,OperationName\n\"a\nb\",\"\xff\x00\"\"\"\n,\n\xef\xbb\xbfTimeGenerated,OperationNameValue\nx",
		"TimeGenerated,OperationName\n\"never closed\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if IsGzip(b) {
			return
		}
		d := NewDecoderBytes(b, Position{})
		var want []string
		for {
			raw, pos, err := d.NextRaw()
			if err == io.EOF {
				break
			}
			if err != nil {
				want = append(want, pos.String()+" "+err.Error())
				if _, ok := err.(*RecordError); !ok {
					t.Fatalf("not a RecordError: %v", err)
				}
				continue
			}
			if d.csv != nil {
				var row map[string]string
				if err := json.Unmarshal(raw, &row); err != nil {
					t.Fatalf("CSV row rendered as %q: %v", raw, err)
				}
				for k, v := range row {
					if k == "" || v == "" {
						t.Fatalf("CSV row rendered as %q: empty name or value", raw)
					}
				}
			}
			want = append(want, pos.String()+" "+string(raw))
		}
		s := NewDecoder(iotest.OneByteReader(strings.NewReader(string(b))), "")
		var got []string
		for {
			raw, pos, err := s.NextRaw()
			if err == io.EOF {
				break
			}
			if err != nil {
				got = append(got, pos.String()+" "+err.Error())
				continue
			}
			got = append(got, pos.String()+" "+string(raw))
		}
		if g, w := strings.Join(got, "\n"), strings.Join(want, "\n"); g != w {
			t.Fatalf("byte by byte:\n%s\nfrom memory:\n%s", g, w)
		}
	})
}

// FuzzQueryAnswer reads arbitrary {"tables":[...]} answers: nothing panics
// and every row comes out as a valid JSON object.
func FuzzQueryAnswer(f *testing.F) {
	for _, name := range []string{"testdata/query-api-azurediagnostics.json", "testdata/query-api-azkvauditlogs.json"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		`{"tables":[{"columns":[{"name":"a"},{"name":""},{"ColumnName":"c"}],"rows":[[1,2,3],[null,{"x":[1]},"s"],[1]]}]}`,
		`{"tables":[{"rows":[[1]],"columns":[{"name":"a"}]},[],{"columns":{},"rows":[[]]}]}`,
		"{\"tables\": [\n {\"columns\": [{\"name\": \"TimeGenerated\"}],\n  \"rows\": [\n   [\"x\"],\n   [\"y\n  ]}]}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d := NewDecoderBytes(b, Position{})
		for {
			raw, _, err := d.NextRaw()
			if err == io.EOF {
				return
			}
			if err != nil {
				continue
			}
			if d.state == stRows && !json.Valid(raw) {
				t.Fatalf("row rendered as invalid JSON %q", raw)
			}
		}
	})
}

func FuzzParseObjectURI(f *testing.F) {
	for _, s := range []string{
		"https://kv1.vault.azure.net/secrets/db-pass/?api-version=7.4",
		"https://kv1.vault.azure.net:443/%73ecrets/db%2Dpass",
		"HTTPS://KV1.VAULT.AZURE.CN/DELETEDKEYS/K/RECOVER",
		"/keys/../secrets/./x//y", "secrets\\x", "https://a@b.vault.azure.net./certificates/c/v/pending",
		"%", "%%2", "://", "https://",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ref := ParseObjectURI(s)
		if ref.Name == "" {
			return
		}
		if !registry.ValidObjectName(ref.Name) || ref.Type == "" {
			t.Fatalf("ParseObjectURI(%q) = %+v", s, ref)
		}
		// The canonical spelling of what was read reads back the same.
		coll := map[registry.Type]string{registry.Secret: "secrets", registry.Key: "keys", registry.Certificate: "certificates"}[ref.Type]
		if ref.Deleted {
			coll = "deleted" + coll
		}
		again := ParseObjectURI("https://kv1.vault.azure.net/" + coll + "/" + ref.Name)
		if again.Name != ref.Name || again.Type != ref.Type || again.Deleted != ref.Deleted {
			t.Fatalf("canonical form of %+v reads as %+v", ref, again)
		}
	})
}
