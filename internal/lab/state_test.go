package lab

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/registry"
)

func TestStateRoundTrip(t *testing.T) {
	dir := t.TempDir()
	want := &state{Version: stateVersion, PID: 42, Server: "http://127.0.0.1:8080", Emulator: "127.0.0.1:9443",
		CAFile: filepath.Join(dir, caFile), TenantID: "t",
		Identities: []stateIdentity{{Name: "contractor", ClientID: "c", ClientSecret: "s", ObjectID: "o", IP: "198.51.100.23"}},
		Vaults:     []stateVault{{Name: "kv-a", URL: "https://kv-a.vault.azure.net", Decoys: []stateDecoy{{Name: "db-password", Type: registry.Secret}}}},
	}
	if err := writeState(dir, want); err != nil {
		t.Fatal(err)
	}
	got, err := readState(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v; want %+v", got, want)
	}
	if _, err := os.Stat(filepath.Join(dir, StateFile+".tmp")); !os.IsNotExist(err) {
		t.Errorf("temporary file left: %v", err)
	}
}

func TestReadStateErrors(t *testing.T) {
	tests := []struct {
		name, content, want string
	}{
		{"not JSON", "{", "lab.json"},
		{"another version", `{"version": 99, "emulator": "x", "ca_file": "y", "identities": [{}]}`, "version 99"},
		{"incomplete", `{"version": 1}`, "incomplete"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, StateFile), []byte(tt.content), 0o600)
			if _, err := readState(dir); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v; want an error about %q", err, tt.want)
			}
		})
	}
}

// FuzzReadState: any file content gives a complete state or an error,
// never a panic.
func FuzzReadState(f *testing.F) {
	f.Add([]byte(`{"version":1,"emulator":"127.0.0.1:1","ca_file":"/ca.pem","identities":[{"name":"a"}],"vaults":[{"name":"kv-a","decoys":[{"name":"x","type":"secret"}]}]}`))
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`[]`))
	f.Add([]byte("\xef\xbb\xbf{}"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, StateFile), b, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := readState(dir)
		if err != nil {
			return
		}
		if s.Emulator == "" || s.CAFile == "" || len(s.Identities) == 0 {
			t.Fatalf("incomplete state accepted: %+v", s)
		}
		if _, err := s.caller(""); err != nil {
			t.Fatalf("default identity of an accepted state: %v", err)
		}
	})
}
