package detect

import (
	"slices"
	"strings"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// ScopedVault is a vault holding decoys, in registry.VaultID's spelling.
type ScopedVault struct{ ID, Name string }

// VaultsUnder returns the vaults holding decoys in subscription sub and,
// when group is not "", in that resource group (any case), ordered by id:
// those a role assigned at that scope covers. The scan is over vaults, not
// decoys: a role assignment at a broad scope is rare.
func (ix *Index) VaultsUnder(sub, group string) []ScopedVault {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	var out []ScopedVault
	for i := range ix.vaults.list {
		v := uint32(i)
		s, g := ix.vaults.parts(v)
		if ix.vaults.list[i].decoys == 0 || !auditlog.EqualFoldASCII(s, sub) || group != "" && !auditlog.EqualFoldASCII(g, group) {
			continue
		}
		name := strings.ToLower(string(ix.vaults.name(v)))
		out = append(out, ScopedVault{ID: registry.VaultID(s, g, name), Name: name})
	}
	slices.SortFunc(out, func(a, b ScopedVault) int { return strings.Compare(strings.ToLower(a.ID), strings.ToLower(b.ID)) })
	return out
}

// ActiveVaultNames returns the names, lower-cased, of the vaults holding
// at least one active decoy (not missing; retired ones are not indexed), in
// no order. Each vault keeps its count as decoys are added, updated and
// removed, so the call costs one step per vault, not per decoy: /metrics
// asks on every scrape.
func (ix *Index) ActiveVaultNames() []string {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	var out []string
	for i := range ix.vaults.list {
		if ix.vaults.list[i].active > 0 {
			out = append(out, strings.ToLower(string(ix.vaults.name(uint32(i)))))
		}
	}
	return out
}

// broadScope reads a role assignment's scope from the ARM id an Activity
// record names (the assignment's id, or the scope itself) when it is a
// subscription or a resource group: sub and group ("" for a whole
// subscription); ok is false for any other scope (a vault's is handled as
// the vault).
func broadScope(resourceID string) (sub, group string, ok bool) {
	id := strings.Trim(strings.TrimSpace(resourceID), "/")
	if i := strings.Index(strings.ToLower(id), "/providers/microsoft.authorization/"); i >= 0 {
		id = id[:i]
	}
	p := strings.Split(id, "/")
	switch {
	case len(p) == 2 && strings.EqualFold(p[0], "subscriptions") && p[1] != "":
		return p[1], "", true
	case len(p) == 4 && strings.EqualFold(p[0], "subscriptions") && strings.EqualFold(p[2], "resourceGroups") && p[1] != "" && p[3] != "":
		return p[1], p[3], true
	}
	return "", "", false
}
