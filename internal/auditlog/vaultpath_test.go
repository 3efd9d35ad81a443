package auditlog

import "testing"

func TestSplitVaultPath(t *testing.T) {
	tests := []struct {
		path, mountPoint, mountType, ns string
		want                            vaultPath
	}{
		{"secret/data/a/b", "secret/", "kv", "", vaultPath{"secret", "data", "a/b"}},
		{"secret/data/a/b", "", "", "", vaultPath{"secret", "data", "a/b"}},
		{"secret/metadata/a", "secret/", "kv", "", vaultPath{"secret", "metadata", "a"}},
		{"secret/subkeys/a", "", "", "", vaultPath{"secret", "subkeys", "a"}},
		{"secret/detailed-metadata/a/", "secret/", "kv", "", vaultPath{"secret", "detailed-metadata", "a/"}},
		{"secret/undelete/a", "", "", "", vaultPath{"secret", "undelete", "a"}},
		{"kv/team-a/data/x", "kv/team-a/", "kv", "", vaultPath{"kv/team-a", "data", "x"}},
		{"kv/team-a/data/x", "", "", "", vaultPath{"kv/team-a", "data", "x"}},
		// The secret's own path may hold a KV v2 segment's name.
		{"secret/data/data/x", "secret/", "kv", "", vaultPath{"secret", "data", "data/x"}},
		{"secret/data/data/x", "", "", "", vaultPath{"secret", "data", "data/x"}},
		{"secret/metadata/team/data/x", "", "", "", vaultPath{"secret", "metadata", "team/data/x"}},
		// A mount named like a segment: mount_point tells.
		{"data/data/x", "data/", "kv", "", vaultPath{"data", "data", "x"}},
		// KV v1's form on a known mount: the name, no action.
		{"secret/a/b", "secret/", "kv", "", vaultPath{"secret", "", "a/b"}},
		{"secret/a/b", "secret/", "", "", vaultPath{"secret", "", "a/b"}},
		// ... but not without mount_point: where the mount ends is unknown.
		{"secret/a/b", "", "", "", vaultPath{}},
		{"secret/config", "secret/", "kv", "", vaultPath{"secret", "", ""}},
		{"/secret/data/a", "", "", "", vaultPath{"secret", "data", "a"}},
		{"secret/data", "", "", "", vaultPath{}},
		{"secret/data/", "", "", "", vaultPath{"secret", "data", ""}},
		{"data/x", "", "", "", vaultPath{}},
		{"sys/audit/test", "", "", "", vaultPath{}},
		{"sys/mounts", "sys/", "system", "", vaultPath{}},
		{"cubbyhole/data/x", "cubbyhole/", "cubbyhole", "", vaultPath{}},
		{"secret", "secret/", "kv", "", vaultPath{}},
		{"other/data/x", "secret/", "kv", "", vaultPath{}},
		{"secret/data/a", "secret/", "kv", "team-a", vaultPath{"team-a/secret", "data", "a"}},
	}
	for _, tt := range tests {
		if got := splitVaultPath(tt.path, tt.mountPoint, tt.mountType, tt.ns); got != tt.want {
			t.Errorf("splitVaultPath(%q, %q, %q, %q) = %+v; want %+v", tt.path, tt.mountPoint, tt.mountType, tt.ns, got, tt.want)
		}
	}
}
