package vaultemu_test

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/vaultemu"
)

// Bodies Vault's HTTP layer refuses get a clear error, change nothing and
// are not audited.
func TestRefusedBodiesChangeNothing(t *testing.T) {
	s, _ := start(t, vaultemu.Options{MaxRequestSize: 1024})
	file := filepath.Join(t.TempDir(), "audit.log")
	if err := s.EnableFileAudit("file", file, vaultemu.AuditOptions{}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, body string
		status     int
		errPart    string
	}{
		{"not JSON", `{"data":`, 400, "failed to parse JSON input"},
		{"an array", `[{"data":{}}]`, 400, "must be a JSON object"},
		{"two objects", `{"data":{"a":"b"}} {"x":1}`, 400, "unexpected data"},
		{"too large", `{"data":{"a":"` + strings.Repeat("x", 2000) + `"}}`, 413, "too large"},
	}
	for _, tt := range tests {
		req, err := http.NewRequest(http.MethodPost, s.URL()+"/v1/secret/data/apps/a", strings.NewReader(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Vault-Token", s.RootToken())
		resp, err := s.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || !strings.Contains(string(b), tt.errPart) || !strings.HasPrefix(string(b), `{"errors":["`) {
			t.Errorf("%s: %d %s; want %d and %q", tt.name, resp.StatusCode, b, tt.status, tt.errPart)
		}
	}
	if got := s.Paths("secret"); len(got) != 0 {
		t.Errorf("refused bodies stored %v", got)
	}
	if got := readEntries(t, file, ""); len(got) != 1 {
		t.Errorf("%d entries beyond the probe; want none", len(got)-1)
	}
}
