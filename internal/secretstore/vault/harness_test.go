package vault_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	vaultapi "github.com/hashicorp/vault/api"

	"github.com/honeyvault/honeyvault/internal/secretstore/vault"
	"github.com/honeyvault/honeyvault/internal/vaultemu"
)

// plantPolicy is the policy the package documentation gives honeyvault's
// token, for mount "secret": the tests plant with exactly it.
func plantPolicy(mount string) vaultemu.Policy {
	return vaultemu.Policy{Name: "honeyvault-" + strings.ReplaceAll(mount, "/", "-"), Rules: []vaultemu.PathRule{
		{Path: "sys/mounts", Capabilities: []string{"read"}},
		{Path: mount + "/metadata/*", Capabilities: []string{"list", "read", "create", "update", "delete"}},
		{Path: mount + "/data/*", Capabilities: []string{"create"}},
		{Path: "auth/token/lookup-self", Capabilities: []string{"read"}},
	}}
}

// emu is a TLS emulator with the planter's token (entity "ent-planter")
// allowed the documented policy on each mount.
type emu struct {
	*vaultemu.Server
	root    *vaultapi.Client
	planter vaultemu.Token
}

func startEmu(t *testing.T, mounts ...string) *emu {
	t.Helper()
	s, err := vaultemu.New(vaultemu.Options{Mounts: mounts})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.StartTLS(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	var policies []string
	for _, m := range s.Mounts() {
		p := plantPolicy(strings.TrimSuffix(m, "/"))
		if err := s.SetPolicy(p); err != nil {
			t.Fatal(err)
		}
		policies = append(policies, p.Name)
	}
	tok, err := s.CreateToken(vaultemu.TokenOptions{DisplayName: "token-honeyvault", Policies: policies, EntityID: "ent-planter"})
	if err != nil {
		t.Fatal(err)
	}
	return &emu{Server: s, root: rootClient(t, s), planter: tok}
}

func rootClient(t *testing.T, s *vaultemu.Server) *vaultapi.Client {
	t.Helper()
	cfg := vaultapi.DefaultConfig()
	cfg.Address, cfg.MaxRetries, cfg.Timeout = s.URL(), 0, 30*time.Second
	if err := cfg.ConfigureTLS(&vaultapi.TLSConfig{CACertBytes: s.CACertPEM()}); err != nil {
		t.Fatal(err)
	}
	c, err := vaultapi.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken(s.RootToken())
	return c
}

// provider is the provider under test, acting with token over TLS that
// trusts only the emulator's CA.
func (e *emu) provider(t *testing.T, token string) *vault.Provider {
	t.Helper()
	p, err := vault.New(vault.Config{Cluster: "corp-vault", Address: e.URL(), Token: token, CACert: e.CACertPEM()})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// auditEntry is what the tests read of an audit device's entries.
type auditEntry struct {
	Type string `json:"type"`
	Auth struct {
		EntityID string `json:"entity_id"`
	} `json:"auth"`
	Request struct {
		Operation string `json:"operation"`
		Path      string `json:"path"`
	} `json:"request"`
	Error string `json:"error"`
}

// auditFile enables a file audit device and returns a reader of its
// request entries so far.
func (e *emu) auditFile(t *testing.T) func() []auditEntry {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.log")
	if err := e.root.Sys().EnableAuditWithOptions("file", &vaultapi.EnableAuditOptions{Type: "file", Options: map[string]string{"file_path": path}}); err != nil {
		t.Fatal(err)
	}
	return func() []auditEntry {
		t.Helper()
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		var out []auditEntry
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var a auditEntry
			if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
				t.Fatalf("audit line %q: %v", sc.Text(), err)
			}
			if a.Type == "request" && a.Request.Path != "sys/audit/test" {
				out = append(out, a)
			}
		}
		return out
	}
}
