package web

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/honeyvault/honeyvault/internal/auth"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// maxRunVaults and maxRunDecoys bound what one run may name: a request
// beyond them is refused rather than planned for minutes.
const (
	maxRunVaults = 2000
	maxRunDecoys = 10000
)

// selectionError is bad input in a deploy or retire request: the message
// says what, and nothing was planned. It never tells an owner whether a
// vault outside its scope exists.
type selectionError struct{ msg string }

func (e *selectionError) Error() string { return e.msg }

func badSelection(format string, args ...any) error {
	return &selectionError{msg: fmt.Sprintf(format, args...)}
}

// deployVaults resolves selectors (ARM ids or names) to inventory vaults p
// may act on. A vault unknown, gone or outside p's scope is the same
// error, so that an owner learns nothing of vaults beyond its own.
func (h *handler) deployVaults(ctx context.Context, p auth.Principal, selectors []string) ([]store.Vault, error) {
	if len(selectors) == 0 {
		return nil, badSelection("vaults: name at least one vault (its ARM id or name)")
	}
	if len(selectors) > maxRunVaults {
		return nil, badSelection("vaults: at most %d vaults in one run", maxRunVaults)
	}
	all, err := h.store.ListVaults(ctx, store.VaultFilter{Scope: p.DecoyScope()})
	if err != nil {
		return nil, err
	}
	byKey := map[string]store.Vault{}
	for _, v := range all {
		if v.GoneAt.IsZero() {
			byKey[v.Key()] = v
			byKey["name:"+strings.ToLower(v.Name)] = v
		}
	}
	var out []store.Vault
	seen := map[string]bool{}
	for _, s := range selectors {
		s = strings.TrimSpace(s)
		k := "name:" + strings.ToLower(s)
		if strings.HasPrefix(s, "/") {
			k = registry.VaultKey(s)
		}
		v, ok := byKey[k]
		if !ok || !p.CanSeeVault(v.ID) {
			return nil, badSelection("vaults: no vault %q among the discovered vaults you may deploy to", cut(s, 200))
		}
		if !seen[v.Key()] {
			seen[v.Key()] = true
			out = append(out, v)
		}
	}
	return out, nil
}

// retireDecoys resolves what a retire request names: decoys by registry
// id, else every active or missing decoy of the vaults. Each must be in
// p's scope and not retired yet; an unknown decoy and one outside the
// scope are the same error.
func (h *handler) retireDecoys(ctx context.Context, p auth.Principal, vaults []string, ids []int64) ([]registry.Decoy, error) {
	if len(ids) > maxRunDecoys {
		return nil, badSelection("decoys: at most %d decoys in one run", maxRunDecoys)
	}
	if len(ids) > 0 {
		var out []registry.Decoy
		seen := map[int64]bool{}
		for _, id := range ids {
			d, err := h.store.GetDecoy(ctx, id)
			if errors.Is(err, store.ErrNotFound) || err == nil && !p.CanSeeVault(d.VaultID) {
				return nil, badSelection("decoys: no decoy %d among those you may retire", id)
			}
			if err != nil {
				return nil, err
			}
			if d.Status == registry.Retired {
				return nil, badSelection("decoys: decoy %d is retired already", id)
			}
			if len(vaults) > 0 && !nameOrID(vaults, d) {
				return nil, badSelection("decoys: decoy %d is not in the vaults named", id)
			}
			if !seen[id] {
				seen[id] = true
				out = append(out, d)
			}
		}
		return out, nil
	}
	vs, err := h.deployVaults(ctx, p, vaults)
	if err != nil {
		var se *selectionError
		if errors.As(err, &se) && len(vaults) == 0 {
			return nil, badSelection("name the decoys to retire (their ids) or their vaults")
		}
		return nil, err
	}
	var out []registry.Decoy
	for _, v := range vs {
		ds, err := h.store.ListDecoys(ctx, store.DecoyFilter{VaultID: v.ID, Scope: p.DecoyScope()})
		if err != nil {
			return nil, err
		}
		n := 0
		for _, d := range ds {
			if d.Status != registry.Retired {
				out = append(out, d)
				n++
			}
		}
		if n == 0 {
			return nil, badSelection("vaults: %s has no decoy to retire", v.Name)
		}
	}
	return out, nil
}

// nameOrID reports whether the decoy's vault is among selectors.
func nameOrID(selectors []string, d registry.Decoy) bool {
	for _, s := range selectors {
		s = strings.TrimSpace(s)
		if strings.EqualFold(s, d.VaultName) || registry.VaultKey(s) == registry.VaultKey(d.VaultID) {
			return true
		}
	}
	return false
}

// runFor is run id if p may see it: every vault of the run within p's
// scope. Another's run is not found, as one that does not exist.
func (h *handler) runFor(p auth.Principal, id int64) (Run, bool) {
	run, ok := h.deployments.Run(id)
	if !ok {
		return Run{}, false
	}
	for _, v := range run.Vaults {
		if !p.CanSeeVault(v.ID) {
			return Run{}, false
		}
	}
	return run, true
}

// parseRunID reads {id} of a run's route.
func parseRunID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

// cut shortens s for an error message.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
