package vaultemu

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Seeding puts secrets straight into a mount, as if they had been there
// before auditing began: no audit entry, no policy check. Tests and the
// lab build their starting estate with it.

// SecretSeed describes a secret to seed.
type SecretSeed struct {
	Path           string              // under the mount: "apps/payments/db"
	Versions       []map[string]string // oldest first; at least one
	CustomMetadata map[string]string
	// Age is how long ago the first version was written; the others
	// follow at even intervals up to now. Zero means all now.
	Age time.Duration
}

// Seed writes secrets into a mount ("kv" or "kv/"), replacing any at the
// same paths. Every seed is checked before any is written.
func (s *Server) Seed(mountPath string, seeds ...SecretSeed) error {
	if !strings.HasSuffix(mountPath, "/") {
		mountPath += "/"
	}
	s.mu.Lock()
	m := s.mounts[mountPath]
	s.mu.Unlock()
	if m == nil {
		return fmt.Errorf("vaultemu: seed: no mount %q", mountPath)
	}
	for _, sd := range seeds {
		if !validSecretPath(sd.Path) {
			return fmt.Errorf("vaultemu: seed: invalid secret path %q", sd.Path)
		}
		if len(sd.Versions) == 0 {
			return fmt.Errorf("vaultemu: seed %q: no version", sd.Path)
		}
		if err := checkCustom(sd.CustomMetadata); err != nil {
			return fmt.Errorf("vaultemu: seed %q: %w", sd.Path, err)
		}
	}
	now := s.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, sd := range seeds {
		start := now.Add(-sd.Age)
		step := time.Duration(0)
		if n := len(sd.Versions); n > 1 {
			step = sd.Age / time.Duration(n-1)
		}
		sec := &kvSecret{created: start, custom: maps.Clone(sd.CustomMetadata), versions: map[int]*kvVersion{}}
		for i, v := range sd.Versions {
			data := make(map[string]any, len(v))
			for k, e := range v {
				data[k] = e
			}
			at := start.Add(time.Duration(i) * step)
			sec.versions[i+1] = &kvVersion{data: data, created: at}
			sec.current, sec.updated = i+1, at
		}
		keep := m.maxVersions(sec)
		for n := range sec.versions {
			if n <= sec.current-keep {
				delete(sec.versions, n)
				sec.oldest = max(sec.oldest, n+1)
			}
		}
		m.secrets[sd.Path] = sec
	}
	return nil
}

// Paths lists every secret path of a mount (metadata included), sorted:
// what a planter would find by listing recursively.
func (s *Server) Paths(mountPath string) []string {
	if !strings.HasSuffix(mountPath, "/") {
		mountPath += "/"
	}
	s.mu.Lock()
	m := s.mounts[mountPath]
	s.mu.Unlock()
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.secrets))
	for p := range m.secrets {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}
