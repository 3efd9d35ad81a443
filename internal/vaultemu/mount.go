package vaultemu

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// MountOptions configure a KV v2 mount (its config endpoint's settings).
type MountOptions struct {
	// Description is shown by sys/mounts.
	Description string
	// MaxVersions is the mount's default number of versions a secret
	// keeps; zero means 10, as Vault's.
	MaxVersions int
	// CASRequired makes every data write of the mount need options.cas.
	CASRequired bool
	// DeleteVersionAfter soft-deletes versions this long after they were
	// written, for secrets that set no delete_version_after of their own;
	// zero means never.
	DeleteVersionAfter time.Duration
}

// mount is one KV v2 secrets engine: its secrets by path.
type mount struct {
	path     string // with trailing slash
	accessor string
	uuid     string
	opts     MountOptions

	mu      sync.Mutex
	secrets map[string]*kvSecret // by path under the mount ("apps/payments/db")
}

var mountPathRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*/$`)

// reservedMounts are the top-level paths Vault keeps for itself.
var reservedMounts = []string{"sys/", "auth/", "identity/", "cubbyhole/"}

// AddMount enables a KV v2 engine at path ("kv/", "kv/team-a/"; the
// trailing slash is added when missing). A mount may not nest inside
// another or hold one.
func (s *Server) AddMount(path string, o MountOptions) error {
	if !strings.HasSuffix(path, "/") {
		path += "/"
	}
	if !mountPathRE.MatchString(path) {
		return fmt.Errorf("vaultemu: invalid mount path %q", path)
	}
	if o.MaxVersions < 0 || o.DeleteVersionAfter < 0 {
		return fmt.Errorf("vaultemu: mount %q: max_versions and delete_version_after must not be negative", path)
	}
	for _, r := range reservedMounts {
		if strings.HasPrefix(path, r) {
			return fmt.Errorf("vaultemu: cannot mount at %q: %s is reserved", path, r)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for p := range s.mounts {
		if strings.HasPrefix(path, p) || strings.HasPrefix(p, path) {
			return fmt.Errorf("vaultemu: cannot mount at %q: conflicts with existing mount %q", path, p)
		}
	}
	s.mounts[path] = &mount{
		path: path, accessor: "kv_" + strings.ToLower(randomString(8)), uuid: newUUID(),
		opts: o, secrets: map[string]*kvSecret{},
	}
	return nil
}

// Mounts lists the KV mounts' paths, sorted.
func (s *Server) Mounts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.mounts))
	for p := range s.mounts {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// mountFor finds the mount a request path falls under and the rest of the
// path; nil when none.
func (s *Server) mountFor(path string) (*mount, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for p, m := range s.mounts { // mounts never nest, so at most one matches
		if rest, ok := strings.CutPrefix(path+"/", p); ok {
			return m, strings.TrimSuffix(rest, "/")
		}
	}
	return nil, ""
}

// maxVersions is how many versions a secret keeps: its own setting, else
// the mount's, else 10.
func (m *mount) maxVersions(sec *kvSecret) int {
	if sec.maxVersions > 0 {
		return sec.maxVersions
	}
	if m.opts.MaxVersions > 0 {
		return m.opts.MaxVersions
	}
	return 10
}

// kvSecret is one secret's metadata and versions.
type kvSecret struct {
	created, updated   time.Time
	current, oldest    int
	maxVersions        int
	casRequired        bool
	deleteVersionAfter time.Duration
	custom             map[string]string
	versions           map[int]*kvVersion
}

// kvVersion is one version of a secret's data.
type kvVersion struct {
	data      map[string]any // nil once destroyed
	created   time.Time
	deleted   time.Time // zero unless soft-deleted
	destroyed bool
}

// expireLocked applies delete_version_after (the secret's, else the
// mount's): a version older than that is deleted as of its creation plus
// the duration, as Vault does lazily.
func (m *mount) expireLocked(sec *kvSecret, now time.Time) {
	after := sec.deleteVersionAfter
	if after <= 0 {
		after = m.opts.DeleteVersionAfter
	}
	if after <= 0 {
		return
	}
	for _, v := range sec.versions {
		if at := v.created.Add(after); v.deleted.IsZero() && !v.destroyed && !now.Before(at) {
			v.deleted = at
		}
	}
}
