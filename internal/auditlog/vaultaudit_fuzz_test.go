package auditlog

import (
	"bufio"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// FuzzVaultAudit parses arbitrary Vault audit entries (seeded with the
// fixture's lines and testdata/fuzz/FuzzVaultAudit): nothing panics, and
// an entry read as a Vault event holds only what the contract allows.
func FuzzVaultAudit(f *testing.F) {
	file, err := os.Open("testdata/vault/audit.log")
	if err != nil {
		f.Fatal(err)
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		f.Add(sc.Text())
	}
	for _, s := range []string{
		`{"type":"response","time":"2026-12-04T01:00:00Z","request":{"operation":"read","path":"kv/data/a","mount_point":"kv/a/"}}`,
		`{"type":"request","time":"2026-12-04T01:00:00Z","request":{"operation":"READ","path":"//data//","namespace":{"path":"/"}}}`,
		"{\"type\":\"request\",\"time\":\"2026-12-04T01:00:00Z\",\"request\":{\"operation\":\"read\",\"path\":\"s/data/\\u0000\xff\",\"headers\":{\"user-agent\":[1]}}}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ev, err := ParseRecordWith([]byte(s), ParseOptions{VaultCluster: "c1"})
		if err != nil || ev.Shape != ShapeVaultAudit {
			return
		}
		checkVaultEvent(t, &ev)
		if ev.VaultID != "" && !strings.HasPrefix(ev.VaultID, "vault://c1/") {
			t.Fatalf("store %q not in the decoder's cluster", ev.VaultID)
		}
		// The same entry after a prefix reads the same.
		d := NewDecoderBytes([]byte("prefix: "+s), Position{})
		d.VaultCluster = "c1"
		if again, err := d.Next(); err == nil && strings.HasPrefix(s, `{"`) && !strings.ContainsAny(s, "\n\r") {
			again.Source = ev.Source
			if !reflect.DeepEqual(again, ev) {
				t.Fatalf("after a prefix:\n%+v\nwithout:\n%+v", again, ev)
			}
		}
	})
}

// checkVaultEvent checks what every Vault event must satisfy: a store id
// of the Vault form with its name, a secret only with a store, storable
// text.
func checkVaultEvent(t *testing.T, ev *Event) {
	t.Helper()
	if ev.Kind != KindAudit || !strings.HasPrefix(ev.Operation, vaultOperationPrefix) {
		t.Fatalf("kind %q operation %q", ev.Kind, ev.Operation)
	}
	if ev.VaultID != "" {
		sid, err := registry.ParseStoreID(ev.VaultID)
		if err != nil || sid.Provider != registry.HashiCorpVault || sid.Name != ev.VaultName {
			t.Fatalf("store %q name %q: %+v %v", ev.VaultID, ev.VaultName, sid, err)
		}
	} else if ev.ObjectType != "" || ev.VaultName != "" {
		t.Fatalf("object %q %q without a store", ev.ObjectType, ev.ObjectName)
	}
	if ev.ObjectType != "" && (ev.ObjectType != registry.Secret || ev.ObjectName == "") {
		t.Fatalf("object %q %q", ev.ObjectType, ev.ObjectName)
	}
	if f, v := unstorableField(reflect.ValueOf(*ev), "Event"); f != "" {
		t.Fatalf("%s = %q: not storable", f, v)
	}
}
