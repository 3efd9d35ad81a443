package detect

import (
	"fmt"
	"testing"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// vaultDecoys are the registry of the held-out cases below: two clusters,
// a mount with a slash, a one-segment name.
var vaultDecoys = []registry.Decoy{
	{ID: 1, VaultID: "vault://prod/secret", Name: "apps/payments/DB", Type: registry.Secret},
	{ID: 2, VaultID: "vault://prod/kv/team-a", Name: "ci/deploy-key", Type: registry.Secret},
	{ID: 3, VaultID: "vault://stage/secret", Name: "apps/payments/DB", Type: registry.Secret},
	{ID: 4, VaultID: "vault://prod/secret", Name: "root_token.old", Type: registry.Secret},
}

// vaultLine is an audit entry as Vault writes it; mount "" leaves
// mount_point out (2020-era entries), extra is appended to the request
// object, rest to the entry.
func vaultLine(typ, op, path, mount, extra, rest string) string {
	req := fmt.Sprintf(`"id":"%s","operation":%q,"path":%q,"remote_address":"203.0.113.7"`, "req-"+op+"-"+path, op, path)
	if mount != "" {
		req += fmt.Sprintf(`,"mount_point":%q,"mount_type":"kv"`, mount)
	}
	return `{"time":"2026-12-04T01:02:03Z","type":"` + typ + `","auth":{"accessor":"hmac-sha256:0a1b","display_name":"oidc-mallory@contoso.com","entity_id":"ent-mallory"},"request":{` + req + extra + `}` + rest + `}`
}

// TestVaultDetection runs Vault audit entries through the parser and the
// matcher and checks exactly which decoy each one alerts on, with which
// class.
func TestVaultDetection(t *testing.T) {
	ix, err := NewIndex(vaultDecoys)
	if err != nil {
		t.Fatal(err)
	}
	m := NewMatcher(ix, nil)
	denied := `,"error":"permission denied"`
	tests := []struct {
		name    string
		cluster string // "" for prod
		line    string
		want    int64 // decoy id, 0 for no alert
		class   Class
	}{
		{"data read", "", vaultLine("response", "read", "secret/data/apps/payments/DB", "secret/", "", ""), 1, ClassRead},
		{"data read, no mount_point", "", vaultLine("response", "read", "secret/data/apps/payments/DB", "", "", ""), 1, ClassRead},
		{"request entry alone", "", vaultLine("request", "read", "secret/data/apps/payments/DB", "secret/", "", ""), 1, ClassRead},
		{"version read", "", vaultLine("request", "read", "secret/data/apps/payments/DB", "secret/", `,"data":{"version":2}`, ""), 1, ClassRead},
		{"metadata read", "", vaultLine("response", "read", "secret/metadata/apps/payments/DB", "secret/", "", ""), 1, ClassMetadata},
		{"subkeys read", "", vaultLine("response", "read", "secret/subkeys/apps/payments/DB", "", "", ""), 1, ClassMetadata},
		{"write", "", vaultLine("response", "update", "secret/data/apps/payments/DB", "secret/", "", ""), 1, ClassWrite},
		{"patch", "", vaultLine("response", "patch", "secret/data/apps/payments/DB", "secret/", "", ""), 1, ClassWrite},
		{"delete latest", "", vaultLine("response", "delete", "secret/data/apps/payments/DB", "secret/", "", ""), 1, ClassDelete},
		{"delete versions", "", vaultLine("response", "update", "secret/delete/apps/payments/DB", "secret/", `,"data":{"versions":["hmac-sha256:1"]}`, ""), 1, ClassDelete},
		{"undelete", "", vaultLine("response", "update", "secret/undelete/apps/payments/DB", "", `,"data":{"versions":[1]}`, ""), 1, ClassRecover},
		{"destroy", "", vaultLine("response", "update", "secret/destroy/apps/payments/DB", "secret/", `,"data":{"versions":[1,2]}`, ""), 1, ClassPurge},
		{"metadata delete destroys all", "", vaultLine("response", "delete", "secret/metadata/apps/payments/DB", "secret/", "", ""), 1, ClassPurge},
		{"metadata write", "", vaultLine("response", "update", "secret/metadata/apps/payments/DB", "secret/", "", ""), 1, ClassUpdate},
		{"denied read (request)", "", vaultLine("request", "read", "secret/data/apps/payments/DB", "", "", denied), 1, ClassRead},
		{"denied read (response)", "", vaultLine("response", "read", "secret/data/apps/payments/DB", "secret/", "", `,"error":"1 error occurred:\n\t* permission denied\n\n"`), 1, ClassRead},
		{"KV v1 form on the mount", "", vaultLine("response", "read", "secret/apps/payments/DB", "secret/", "", ""), 1, ClassRead},
		{"KV v1 form, mount unknown", "", vaultLine("response", "read", "secret/apps/payments/DB", "", "", ""), 0, ""},
		{"name with underscore and dot", "", vaultLine("response", "read", "secret/data/root_token.old", "secret/", "", ""), 4, ClassRead},
		{"mount with a slash", "", vaultLine("response", "read", "kv/team-a/data/ci/deploy-key", "kv/team-a/", "", ""), 2, ClassRead},
		{"mount with a slash, no mount_point", "", vaultLine("response", "read", "kv/team-a/data/ci/deploy-key", "", "", ""), 2, ClassRead},
		{"other cluster", "stage", vaultLine("response", "read", "secret/data/apps/payments/DB", "secret/", "", ""), 3, ClassRead},
		{"cluster without decoys", "dev", vaultLine("response", "read", "secret/data/apps/payments/DB", "secret/", "", ""), 0, ""},

		{"list of the folder", "", vaultLine("response", "list", "secret/metadata/apps/payments/", "secret/", "", ""), 0, ""},
		{"list of the name", "", vaultLine("response", "list", "secret/metadata/apps/payments/DB", "secret/", "", ""), 0, ""},
		{"help", "", vaultLine("response", "help", "secret/data/apps/payments/DB", "secret/", "", ""), 0, ""},
		{"other mount", "", vaultLine("response", "read", "secret2/data/apps/payments/DB", "secret2/", "", ""), 0, ""},
		{"mount's parent", "", vaultLine("response", "read", "kv/data/team-a/ci/deploy-key", "kv/", "", ""), 0, ""},
		{"other case", "", vaultLine("response", "read", "secret/data/apps/payments/db", "secret/", "", ""), 0, ""},
		{"mount in other case", "", vaultLine("response", "read", "Secret/data/apps/payments/DB", "Secret/", "", ""), 0, ""},
		{"prefix of the name", "", vaultLine("response", "read", "secret/data/apps/payments/D", "secret/", "", ""), 0, ""},
		{"suffix added", "", vaultLine("response", "read", "secret/data/apps/payments/DB2", "secret/", "", ""), 0, ""},
		{"folder of the name", "", vaultLine("response", "read", "secret/data/apps/payments", "secret/", "", ""), 0, ""},
		{"name as a folder", "", vaultLine("response", "read", "secret/data/apps/payments/DB/", "secret/", "", ""), 0, ""},
		{"deeper path", "", vaultLine("response", "read", "secret/data/x/apps/payments/DB", "secret/", "", ""), 0, ""},
		{"the CLI's mount lookup", "", `{"time":"2026-12-04T01:02:03Z","type":"response","request":{"id":"m","operation":"read","path":"sys/internal/ui/mounts/secret/apps/payments/DB","mount_point":"sys/","mount_type":"system"}}`, 0, ""},
		{"test probe", "", `{"time":"2026-12-04T01:00:00Z","type":"request","auth":{"token_type":"default"},"request":{"id":"t","operation":"update","namespace":{"id":"root"},"path":"sys/audit/test"}}`, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cluster := tt.cluster
			if cluster == "" {
				cluster = "prod"
			}
			ev, err := auditlog.ParseRecordWith([]byte(tt.line), auditlog.ParseOptions{VaultCluster: cluster})
			if err != nil {
				t.Fatal(err)
			}
			alerts := m.Match(&ev)
			if tt.want == 0 {
				if len(alerts) != 0 {
					t.Fatalf("alerted on %+v", alerts[0].Decoy)
				}
				return
			}
			if len(alerts) != 1 || alerts[0].Decoy.ID != tt.want {
				t.Fatalf("alerts %+v; want decoy %d", alerts, tt.want)
			}
			if a := alerts[0]; a.Class != tt.class || a.Suppressed {
				t.Errorf("class %q suppressed %v; want %q", a.Class, a.Suppressed, tt.class)
			}
		})
	}
}

// TestVaultAllowByAccessor checks that honeyvault's own writes are
// allow-listed by its token's accessor (as logged: HMAC'd by default) or
// its entity, and nothing else is.
func TestVaultAllowByAccessor(t *testing.T) {
	ix, err := NewIndex(vaultDecoys)
	if err != nil {
		t.Fatal(err)
	}
	for _, identity := range []string{"hmac-sha256:0a1b", "ent-mallory"} {
		m := NewMatcher(ix, AllowList{{Identity: identity, Operations: []string{"write"}}})
		parse := func(op string) []Alert {
			ev, err := auditlog.ParseRecordWith([]byte(vaultLine("response", op, "secret/data/apps/payments/DB", "secret/", "", "")), auditlog.ParseOptions{VaultCluster: "prod"})
			if err != nil {
				t.Fatal(err)
			}
			return m.Match(&ev)
		}
		if a := parse("create"); len(a) != 1 || !a[0].Suppressed {
			t.Errorf("%s: planter's write not suppressed: %+v", identity, a)
		}
		if a := parse("read"); len(a) != 1 || a[0].Suppressed {
			t.Errorf("%s: read by the same identity suppressed: %+v", identity, a)
		}
	}
}

// TestVaultPrefilter checks that the retro-hunt's prefilter lets through
// every entry naming a Vault decoy, whatever bytes its name holds.
func TestVaultPrefilter(t *testing.T) {
	var names []string
	for _, d := range vaultDecoys {
		names = append(names, d.Name)
	}
	names = append(names, ".env", "a/.hidden")
	p := NewPrefilter(names)
	for _, path := range []string{"secret/data/apps/payments/DB", "kv/team-a/data/ci/deploy-key", "secret/data/root_token.old", "secret/data/.env", "secret/data/a/.hidden"} {
		if line := vaultLine("response", "read", path, "", "", ""); !p.Match([]byte(line)) {
			t.Errorf("prefilter turned away %s", path)
		}
	}
	if NewPrefilter(names[:len(vaultDecoys)]).Match([]byte(vaultLine("response", "read", "secret/data/apps/payments/config", "", "", ""))) {
		t.Error("a sibling of a decoy passes: decoys share folders with real secrets, so that costs a parse per sibling")
	}
	kvOnly := NewPrefilter([]string{"db-pass"})
	if kvOnly.Match([]byte(vaultLine("response", "read", "secret/data/other/name", "", "", ""))) {
		t.Error("a Key Vault name's prefilter passes an entry naming something else")
	}
}
