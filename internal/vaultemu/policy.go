package vaultemu

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Capabilities a policy rule may grant, as Vault spells them.
const (
	CapRead   = "read"
	CapList   = "list"
	CapCreate = "create"
	CapUpdate = "update"
	CapDelete = "delete"
	CapPatch  = "patch"
	CapSudo   = "sudo"
	CapDeny   = "deny" // overrides every other capability on the same path
)

var knownCaps = []string{CapRead, CapList, CapCreate, CapUpdate, CapDelete, CapPatch, CapSudo, CapDeny}

// Policy is a named ACL policy: Vault's `path "…" { capabilities = […] }`
// stanzas as Go values.
type Policy struct {
	Name  string
	Rules []PathRule
}

// PathRule grants capabilities on the paths a pattern matches. Path is in
// Vault's policy syntax ("kv/data/apps/*", "kv/metadata/+/db"), the API
// path without /v1/.
type PathRule struct {
	Path         string
	Capabilities []string
}

// compiledRule is a PathRule with its pattern parsed.
type compiledRule struct {
	pattern pathPattern
	caps    []string
}

// SetPolicy creates or replaces a policy. "root" and "default" are built
// in and cannot be set.
func (s *Server) SetPolicy(p Policy) error {
	if p.Name == "" || strings.ContainsAny(p.Name, "/ \t\n") {
		return fmt.Errorf("vaultemu: invalid policy name %q", p.Name)
	}
	if p.Name == "root" || p.Name == "default" {
		return fmt.Errorf("vaultemu: policy %q is built in", p.Name)
	}
	compiled, err := compileRules(p.Rules)
	if err != nil {
		return fmt.Errorf("vaultemu: policy %q: %w", p.Name, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.policies[p.Name] = compiled
	return nil
}

func compileRules(rules []PathRule) ([]compiledRule, error) {
	out := make([]compiledRule, 0, len(rules))
	for _, r := range rules {
		pat, err := parsePattern(r.Path)
		if err != nil {
			return nil, err
		}
		if len(r.Capabilities) == 0 {
			return nil, fmt.Errorf("policy path %q grants no capability", r.Path)
		}
		for _, c := range r.Capabilities {
			if !slices.Contains(knownCaps, c) {
				return nil, fmt.Errorf("policy path %q: unknown capability %q", r.Path, c)
			}
		}
		out = append(out, compiledRule{pattern: pat, caps: slices.Clone(r.Capabilities)})
	}
	return out, nil
}

// capabilities are what a token's policies grant on path: the rules of
// the highest-priority pattern that matches, merged across policies
// (Vault merges the stanzas of one path); deny leaves nothing.
func (s *Server) capabilities(t *Token, path string) map[string]bool {
	if slices.Contains(t.Policies, "root") {
		return map[string]bool{CapRead: true, CapList: true, CapCreate: true, CapUpdate: true, CapDelete: true, CapPatch: true, CapSudo: true}
	}
	s.mu.Lock()
	var rules []compiledRule
	for _, name := range t.Policies {
		rules = append(rules, s.policies[name]...)
	}
	s.mu.Unlock()
	var best *pathPattern
	for i := range rules {
		if rules[i].pattern.match(path) && (best == nil || best.lowerThan(rules[i].pattern)) {
			best = &rules[i].pattern
		}
	}
	caps := map[string]bool{}
	if best == nil {
		return caps
	}
	for _, r := range rules {
		if r.pattern.raw != best.raw {
			continue
		}
		for _, c := range r.caps {
			caps[c] = true
		}
	}
	if caps[CapDeny] {
		return map[string]bool{}
	}
	return caps
}

// exactCapabilities are the capabilities the token's wildcard-free rules
// naming exactly path grant, and whether there is such a rule.
func (s *Server) exactCapabilities(t *Token, path string) (map[string]bool, bool) {
	if slices.Contains(t.Policies, "root") {
		return s.capabilities(t, path), true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	caps, found := map[string]bool{}, false
	for _, name := range t.Policies {
		for _, r := range s.policies[name] {
			if r.pattern.raw != path || r.pattern.firstWildcard() != len(r.pattern.raw) {
				continue
			}
			found = true
			for _, c := range r.caps {
				caps[c] = true
			}
		}
	}
	if caps[CapDeny] {
		return map[string]bool{}, found
	}
	return caps, found
}

// errPermissionDenied is Vault's answer to a call the token may not make,
// to a missing or unknown token and to a revoked one alike.
var errPermissionDenied = errors.New("permission denied")
