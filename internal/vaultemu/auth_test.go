package vaultemu_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"reflect"
	"testing"

	"github.com/hashicorp/vault/api"
	"github.com/honeyvault/honeyvault/internal/vaultemu"
)

// rawGet sends a GET with one header and returns status and body.
func rawGet(t *testing.T, s *vaultemu.Server, path, header, value string) (int, string) {
	t.Helper()
	hc := s.HTTPClient()
	req, err := http.NewRequest(http.MethodGet, s.URL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if header != "" {
		req.Header.Set(header, value)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// readerToken makes a policy that reads apps/* data but not metadata and
// a token holding it.
func readerToken(t *testing.T, s *vaultemu.Server) vaultemu.Token {
	t.Helper()
	if err := s.SetPolicy(vaultemu.Policy{Name: "apps-reader", Rules: []vaultemu.PathRule{
		{Path: "secret/data/apps/*", Capabilities: []string{"read"}},
		{Path: "secret/data/apps/payments/stripe", Capabilities: []string{"deny"}},
		{Path: "secret/metadata/apps/payments", Capabilities: []string{"list"}}, // LIST …/apps/payments/, as Vault
		{Path: "secret/data/+/ci/token", Capabilities: []string{"read"}},
	}}); err != nil {
		t.Fatal(err)
	}
	tok, err := s.CreateToken(vaultemu.TokenOptions{DisplayName: "token-ci-runner", Policies: []string{"apps-reader"}, EntityID: "7d2e3f4a-0000-4000-8000-000000000001"})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestPoliciesAllowAndDeny(t *testing.T) {
	s, root := start(t, vaultemu.Options{})
	ctx := context.Background()
	for _, p := range []string{"apps/payments/db", "apps/payments/stripe", "ci/github/deploy-key", "teams/ci/token", "a/b/ci/token"} {
		if _, err := root.KVv2("secret").Put(ctx, p, map[string]any{"v": "x"}); err != nil {
			t.Fatal(err)
		}
	}
	tok := readerToken(t, s)
	c := client(t, s, tok.ID)
	kv := c.KVv2("secret")
	for _, p := range []string{"apps/payments/db", "teams/ci/token"} {
		if _, err := kv.Get(ctx, p); err != nil {
			t.Errorf("allowed read of %s: %v", p, err)
		}
	}
	tests := []struct {
		name string
		call func() error
	}{
		{"deny overrides the glob", func() error { _, err := kv.Get(ctx, "apps/payments/stripe"); return err }},
		{"outside the policy", func() error { _, err := kv.Get(ctx, "ci/github/deploy-key"); return err }},
		{"read is not create", func() error { _, err := kv.Put(ctx, "apps/payments/db", map[string]any{"v": "y"}); return err }},
		{"no metadata read", func() error { _, err := kv.GetMetadata(ctx, "apps/payments/db"); return err }},
		{"+ is one segment", func() error { _, err := kv.Get(ctx, "a/b/ci/token"); return err }},
		{"list of another folder", func() error { _, err := c.Logical().List("secret/metadata/apps"); return err }},
		{"sys/audit needs sudo", func() error { _, err := c.Sys().ListAudit(); return err }},
	}
	for _, tt := range tests {
		if err := tt.call(); statusOf(err) != http.StatusForbidden {
			t.Errorf("%s: err %v; want 403", tt.name, err)
		}
	}
	if _, err := c.Logical().List("secret/metadata/apps/payments"); err != nil {
		t.Errorf("list allowed by the folder's exact rule: %v", err)
	}
	// A refused write changed nothing.
	if got, _ := root.KVv2("secret").Get(ctx, "apps/payments/db"); got.VersionMetadata.Version != 1 {
		t.Errorf("denied write made version %d", got.VersionMetadata.Version)
	}
	// The self lookup names the token's accessor and entity.
	self, err := c.Auth().Token().LookupSelf()
	if err != nil {
		t.Fatal(err)
	}
	if self.Data["accessor"] != tok.Accessor || self.Data["entity_id"] != tok.EntityID || self.Data["display_name"] != "token-ci-runner" {
		t.Errorf("lookup-self = %v", self.Data)
	}
}

func TestDeniedMissingAndTokenHeaders(t *testing.T) {
	s, root := start(t, vaultemu.Options{})
	if _, err := root.KVv2("secret").Put(context.Background(), "apps/payments/stripe", map[string]any{"v": "x"}); err != nil {
		t.Fatal(err)
	}
	tok := readerToken(t, s)
	tests := []struct {
		name, path, header, value string
		status                    int
		body                      string
	}{
		{"denied", "/v1/secret/data/apps/payments/stripe", "X-Vault-Token", tok.ID, 403, `{"errors":["1 error occurred:\n\t* permission denied\n\n"]}` + "\n"},
		{"no token", "/v1/secret/data/apps/payments/stripe", "", "", 403, `{"errors":["1 error occurred:\n\t* permission denied\n\n"]}` + "\n"},
		{"unknown token", "/v1/secret/data/apps/payments/stripe", "X-Vault-Token", "hvs.nope", 403, `{"errors":["1 error occurred:\n\t* permission denied\n\n"]}` + "\n"},
		{"missing", "/v1/secret/data/apps/payments/none", "X-Vault-Token", s.RootToken(), 404, `{"errors":[]}` + "\n"},
		{"bearer", "/v1/secret/data/apps/payments/missing", "Authorization", "Bearer " + s.RootToken(), 404, `{"errors":[]}` + "\n"},
		{"not /v1/", "/v2/x", "X-Vault-Token", s.RootToken(), 404, `{"errors":[]}` + "\n"},
	}
	for _, tt := range tests {
		status, body := rawGet(t, s, tt.path, tt.header, tt.value)
		if status != tt.status || body != tt.body {
			t.Errorf("%s: %d %q; want %d %q", tt.name, status, body, tt.status, tt.body)
		}
	}
	// The official client reads a missing secret as ErrSecretNotFound.
	if _, err := root.KVv2("secret").Get(context.Background(), "apps/none"); !errors.Is(err, api.ErrSecretNotFound) {
		t.Errorf("client Get of a missing secret: %v", err)
	}
	// After revocation the token is denied.
	s.RevokeToken(tok.ID)
	if _, err := client(t, s, tok.ID).KVv2("secret").Get(context.Background(), "apps/payments/db"); statusOf(err) != http.StatusForbidden {
		t.Errorf("revoked token: %v; want 403", err)
	}
}

func TestMountDiscovery(t *testing.T) {
	s, c := start(t, vaultemu.Options{Mounts: []string{"kv/team-a/", "kv/team-b", "secret/"}})
	mounts, err := c.Sys().ListMounts()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"kv/team-a/", "kv/team-b/", "secret/"} {
		m := mounts[p]
		if m == nil || m.Type != "kv" || m.Options["version"] != "2" || m.Accessor == "" {
			t.Errorf("sys/mounts %s = %+v; want a kv version 2 mount", p, m)
		}
	}
	if mounts["sys/"] == nil || mounts["sys/"].Type != "system" {
		t.Errorf("sys/mounts lacks sys/: %v", mounts)
	}
	ui, err := c.Logical().Read("sys/internal/ui/mounts/kv/team-a/apps/payments/db")
	if err != nil {
		t.Fatal(err)
	}
	if ui.Data["path"] != "kv/team-a/" || ui.Data["type"] != "kv" || !reflect.DeepEqual(ui.Data["options"], map[string]any{"version": "2"}) {
		t.Errorf("ui mounts = %v", ui.Data)
	}
	// A token with rights under one mount may ask for that mount only.
	tok := readerToken(t, s) // rules under secret/
	rc := client(t, s, tok.ID)
	if _, err := rc.Logical().Read("sys/internal/ui/mounts/secret/apps"); err != nil {
		t.Errorf("ui mounts of the token's mount: %v", err)
	}
	if _, err := rc.Logical().Read("sys/internal/ui/mounts/kv/team-a/apps"); statusOf(err) != http.StatusForbidden {
		t.Errorf("ui mounts of another mount: %v; want 403", err)
	}
	// Mount paths are checked.
	for _, bad := range []string{"", "sys/x/", "kv/", "kv/team-a/sub/", "a//b/", "a b/"} {
		if err := s.AddMount(bad, vaultemu.MountOptions{}); err == nil {
			t.Errorf("AddMount(%q) succeeded", bad)
		}
	}
}

func TestPolicyAndTokenValidation(t *testing.T) {
	s, _ := start(t, vaultemu.Options{})
	bad := []vaultemu.Policy{
		{Name: "", Rules: []vaultemu.PathRule{{Path: "a", Capabilities: []string{"read"}}}},
		{Name: "root", Rules: []vaultemu.PathRule{{Path: "a", Capabilities: []string{"read"}}}},
		{Name: "p", Rules: []vaultemu.PathRule{{Path: "a/*/b", Capabilities: []string{"read"}}}},
		{Name: "p", Rules: []vaultemu.PathRule{{Path: "a/b+", Capabilities: []string{"read"}}}},
		{Name: "p", Rules: []vaultemu.PathRule{{Path: "a", Capabilities: []string{"write"}}}},
		{Name: "p", Rules: []vaultemu.PathRule{{Path: "a", Capabilities: nil}}},
	}
	for _, p := range bad {
		if err := s.SetPolicy(p); err == nil {
			t.Errorf("SetPolicy(%+v) succeeded", p)
		}
	}
	if _, err := s.CreateToken(vaultemu.TokenOptions{Policies: []string{"nosuch"}}); err == nil {
		t.Error("a token with an unknown policy was created")
	}
	// Without the default policy a token may not even look itself up.
	bare, err := s.CreateToken(vaultemu.TokenOptions{NoDefaultPolicy: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(bare.Policies) != 0 {
		t.Errorf("policies %v; want none", bare.Policies)
	}
	if _, err := client(t, s, bare.ID).Auth().Token().LookupSelf(); statusOf(err) != http.StatusForbidden {
		t.Errorf("lookup-self without the default policy: %v; want 403", err)
	}
	withDefault, err := s.CreateToken(vaultemu.TokenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(withDefault.Policies, []string{"default"}) {
		t.Errorf("policies %v; want [default]", withDefault.Policies)
	}
	if _, err := s.CreateToken(vaultemu.TokenOptions{ID: withDefault.ID}); err == nil {
		t.Error("a second token with the same value was created")
	}
}
