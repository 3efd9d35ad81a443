package auditlog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// addFixtures seeds a fuzz target with every fixture file and a few
// hand-made edge cases.
func addFixtures(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{"", "{", "[", `{"records":[`, `{"records":[{}]}`, "\xef\xbb\xbf{}", `"x"`, "[[[[", `{"a":"\u0041\\"}`,
		// Not UTF-8 in a resource id (once made byte offsets drift).
		"{\"time\":\"2026-11-20T08:00:00Z\",\"operationName\":\"SecretGet\",\"resourceId\":\"/SUBSCRIPTIONS/\xbdK\xfc/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-B\"}"} {
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
		if ev.Kind != KindAudit && ev.Kind != KindActivity {
			t.Fatalf("kind %q", ev.Kind)
		}
		if ev.ObjectName != "" && !registry.ValidObjectName(ev.ObjectName) {
			t.Fatalf("invalid object name %q accepted", ev.ObjectName)
		}
		if ev.VaultName != strings.ToLower(ev.VaultName) {
			t.Fatalf("vault name %q not lower-cased", ev.VaultName)
		}
		_ = ev.DedupKey()
	})
}

// FuzzDecoder checks that no input panics, that memory per record stays
// bounded, and that a stream read in one go, byte by byte, and from memory
// all yield the same.
func FuzzDecoder(f *testing.F) {
	addFixtures(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		if isGzip(b) {
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
		if _, _, err := ParseBody(b); err != nil && err != ErrNotJSON {
			t.Fatalf("ParseBody: %v", err)
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
