package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/testenv"
)

// vaultAuditFixture is the parser's Vault audit log: a read of
// apps/payments/DB in the mount secret/ (request and response entries),
// a denied read of it, a version read of ci/deploy-key in kv/team-a/ and
// a prefixed destroy of apps/payments/DB.
func vaultAuditFixture() string {
	return filepath.Join(testenv.RepoRoot(), "internal", "auditlog", "testdata", "vault", "audit.log")
}

func TestScanVaultAudit(t *testing.T) {
	wl := func(cluster string) string {
		return "ResourceProvider,ResourceId,HoneyToken,Properties\r\n" +
			`HashiCorp.Vault,vault://` + cluster + `/secret,apps/payments/DB,"{""Type"":""secret""}"` + "\r\n" +
			`HashiCorp.Vault,vault://` + cluster + `/kv/team-a,ci/deploy-key,"{""Type"":""secret""}"` + "\r\n"
	}
	prod := writeFile(t, "prod.csv", wl("prod"))
	scenarios := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  []string
		wantErr  []string
	}{
		{"cluster from the watchlist", []string{"scan", "--watchlist", prod, vaultAuditFixture()}, 1,
			[]string{":2: 2026-12-04T01:02:03.456789Z high vault:read vault=prod/secret secret=apps/payments/DB status=0 upn=oidc-mallory@contoso.com",
				":4: 2020-04-30T19:12:55.8372206Z high vault:read vault=prod/secret secret=apps/payments/DB status=403 ip=10.10.42.222",
				":6: 2026-12-04T01:05:00Z high vault:read vault=prod/kv/team-a secret=ci/deploy-key",
				":7: 2026-12-04T01:06:00Z medium vault:update vault=prod/secret secret=apps/payments/DB"},
			[]string{"8 records, 0 malformed, 4 alerts"}},
		{"accessor allow-listed", []string{"scan", "--watchlist", prod, "--allow", "auth_token_5f1c2a", vaultAuditFixture()}, 1,
			nil, []string{"3 alerts, 1 suppressed"}},
		{"cluster named", []string{"scan", "--watchlist", prod, "--vault-cluster", "stage", vaultAuditFixture()}, 0,
			nil, []string{"0 alerts"}},
		{"bad cluster", []string{"scan", "--watchlist", prod, "--vault-cluster", "a/b", vaultAuditFixture()}, 2,
			nil, []string{"--vault-cluster", "want 1-63 letters"}},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI("", sc.args...)
			if code != sc.wantCode {
				t.Errorf("exit %d; want %d\nstdout:\n%s\nstderr:\n%s", code, sc.wantCode, stdout, stderr)
			}
			for _, w := range sc.wantOut {
				if !strings.Contains(stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout)
				}
			}
			for _, w := range sc.wantErr {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
		})
	}
}
