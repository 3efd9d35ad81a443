package scan

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/vault/api"

	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/vaultemu"
)

// TestVaultEmulatorAuditLog cross-checks the parser and the matcher
// against internal/vaultemu, built apart from them from the same reference:
// the official client makes an attacker's and a planter's calls, the
// emulator's file audit devices (one plain, one with a prefix) log them,
// and the retro-hunt must find exactly the decoy accesses, once each.
func TestVaultEmulatorAuditLog(t *testing.T) {
	ctx := context.Background()
	vs, err := vaultemu.New(vaultemu.Options{Mounts: []string{"secret/", "kv/team-a/"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := vs.StartTLS(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { vs.Close() })
	if _, err := vs.SeedEstate(7); err != nil {
		t.Fatal(err)
	}
	decoys := []registry.Decoy{
		{ID: 1, VaultID: "vault://lab/secret", Name: "apps/payments/db-password-old", Type: registry.Secret},
		{ID: 2, VaultID: "vault://lab/kv/team-a", Name: "ci/deploy_key.bak", Type: registry.Secret},
	}
	seed := func(mount, path string) {
		if err := vs.Seed(mount, vaultemu.SecretSeed{Path: path, Versions: []map[string]string{{"password": "p1"}, {"password": "p2"}}}); err != nil {
			t.Fatal(err)
		}
	}
	seed("secret", "apps/payments/db-password-old")
	seed("secret", "apps/payments/db-password-old2") // a real secret named like a decoy
	seed("kv/team-a", "ci/deploy_key.bak")
	if err := vs.SetPolicy(vaultemu.Policy{Name: "intruder", Rules: []vaultemu.PathRule{
		{Path: "secret/data/*", Capabilities: []string{vaultemu.CapRead}},
		{Path: "secret/metadata/*", Capabilities: []string{vaultemu.CapRead, vaultemu.CapList}},
		{Path: "secret/destroy/*", Capabilities: []string{vaultemu.CapUpdate}},
	}}); err != nil {
		t.Fatal(err)
	}
	if err := vs.SetPolicy(vaultemu.Policy{Name: "planter", Rules: []vaultemu.PathRule{
		{Path: "kv/team-a/data/*", Capabilities: []string{vaultemu.CapCreate, vaultemu.CapUpdate}},
	}}); err != nil {
		t.Fatal(err)
	}
	intruder, err := vs.CreateToken(vaultemu.TokenOptions{DisplayName: "mallory", Policies: []string{"intruder"}, EntityID: "ent-mallory"})
	if err != nil {
		t.Fatal(err)
	}
	planter, err := vs.CreateToken(vaultemu.TokenOptions{DisplayName: "honeyvault", Policies: []string{"planter"}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	plain, prefixed := filepath.Join(dir, "audit.log"), filepath.Join(dir, "audit-prefixed.log")
	if err := vs.EnableFileAudit("file", plain, vaultemu.AuditOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := vs.EnableFileAudit("prefixed", prefixed, vaultemu.AuditOptions{Prefix: "vault-lab: "}); err != nil {
		t.Fatal(err)
	}

	client := func(tok string) *api.Client {
		cfg := api.DefaultConfig()
		cfg.Address = vs.URL()
		if err := cfg.ConfigureTLS(&api.TLSConfig{CACertBytes: vs.CACertPEM()}); err != nil {
			t.Fatal(err)
		}
		c, err := api.NewClient(cfg)
		if err != nil {
			t.Fatal(err)
		}
		c.SetToken(tok)
		return c
	}
	mallory, hv := client(intruder.ID), client(planter.ID)
	secret, teamA := mallory.KVv2("secret"), mallory.KVv2("kv/team-a")
	want := []string{}
	must := func(what string, err error) {
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	_, err = secret.Get(ctx, "apps/payments/db-password-old")
	must("read", err)
	want = append(want, "#1 vault:read read data")
	_, err = secret.GetVersion(ctx, "apps/payments/db-password-old", 1)
	must("version read", err)
	want = append(want, "#1 vault:read read data")
	_, err = secret.GetMetadata(ctx, "apps/payments/db-password-old")
	must("metadata read", err)
	want = append(want, "#1 vault:read metadata metadata")
	_, err = mallory.Logical().List("secret/metadata/apps/payments")
	must("list", err) // names a folder: no alert
	_, err = secret.Get(ctx, "apps/payments/db-password-old2")
	must("look-alike read", err) // a real secret: no alert
	must("destroy", secret.Destroy(ctx, "apps/payments/db-password-old", []int{1}))
	want = append(want, "#1 vault:update purge destroy")
	if _, err := teamA.Get(ctx, "ci/deploy_key.bak"); err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Fatalf("denied read: %v", err)
	}
	want = append(want, "#2 vault:read read data status=403")
	_, err = hv.KVv2("kv/team-a").Put(ctx, "ci/deploy_key.bak", map[string]any{"key": "rotated"})
	must("planter's write", err)
	want = append(want, "#2 vault:update write data suppressed")

	// The planter is allow-listed by its accessor as the device logs it.
	hashed, err := vs.AuditHash("file", planter.Accessor)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := detect.NewIndex(decoys)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{plain, prefixed} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			allow := detect.AllowList{{Identity: hashed, Note: "planter"}}
			if path == prefixed { // each device has its own salt
				h, err := vs.AuditHash("prefixed", planter.Accessor)
				if err != nil {
					t.Fatal(err)
				}
				allow = detect.AllowList{{Identity: h, Note: "planter"}}
			}
			var got []string
			s := &Scanner{
				Matcher: detect.NewMatcher(ix, allow), Prefilter: ix.Prefilter(), VaultCluster: "lab",
				OnAlert: func(a detect.Alert) {
					line := fmt.Sprintf("#%d %s %s %s", a.Decoy.ID, a.Event.Operation, a.Class, a.Event.Action)
					if a.Event.HTTPStatus != 0 {
						line += fmt.Sprintf(" status=%d", a.Event.HTTPStatus)
					}
					if a.Suppressed {
						line += " suppressed"
					}
					if a.Decoy.ID == 1 && a.Event.Caller.ObjectID != "ent-mallory" {
						t.Errorf("caller %+v; want mallory's entity", a.Event.Caller)
					}
					got = append(got, line)
				},
			}
			st, err := s.ScanFile(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("alerts:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if st.Malformed != 0 {
				raw, _ := os.ReadFile(path)
				t.Errorf("%d malformed entries in:\n%s", st.Malformed, raw)
			}
		})
	}
}
