package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// ErrNoSuchVault is returned for a vault selector that names no vault the
// identity can see.
var ErrNoSuchVault = errors.New("deploy: no such vault")

// Targets finds the vaults to work on: every vault of the subscriptions
// (all the identity can see when none are given) with all, else the vaults
// named by selectors (names or ARM ids, any case). Subscriptions that
// could not be listed are returned as warnings; a selector that names no
// visible vault is an error (wrapping ErrNoSuchVault) and nothing else is
// returned.
func Targets(ctx context.Context, az *azure.Client, subscriptions, selectors []string, all bool) ([]azure.Vault, []error, error) {
	if all == (len(selectors) > 0) {
		return nil, nil, errors.New("deploy: name vaults or ask for all of them, not both and not neither")
	}
	byID, byName, err := ParseSelectors(selectors)
	if err != nil {
		return nil, nil, err
	}
	var out []azure.Vault
	var warnings []error
	if all || len(byName) > 0 {
		vaults, errs := az.Vaults(ctx, subscriptions)
		warnings = errs
		if all {
			return vaults, warnings, nil
		}
		found := map[string]azure.Vault{}
		for _, v := range vaults {
			found[strings.ToLower(v.Name)] = v
		}
		for _, n := range byName {
			v, ok := found[strings.ToLower(n)]
			if !ok {
				return nil, warnings, fmt.Errorf("%w: %q is not among the vaults %s can see%s", ErrNoSuchVault, n, "this identity", subscriptionHint(errs))
			}
			out = append(out, v)
		}
	}
	for _, id := range byID {
		v, err := az.Vault(ctx, id)
		if err != nil {
			if azure.IsNotFound(err) {
				return nil, warnings, fmt.Errorf("%w: %s", ErrNoSuchVault, id)
			}
			return nil, warnings, err
		}
		out = append(out, v)
	}
	return dedupeVaults(out), warnings, nil
}

// ParseSelectors splits vault selectors into ARM ids and names, and
// rejects anything that is neither.
func ParseSelectors(selectors []string) (ids, names []string, err error) {
	for _, s := range selectors {
		s = strings.TrimSpace(s)
		switch {
		case strings.HasPrefix(s, "/"):
			if _, _, _, err := azure.ParseVaultID(s); err != nil {
				return nil, nil, err
			}
			ids = append(ids, s)
		case registry.ValidVaultName(s):
			names = append(names, s)
		default:
			return nil, nil, fmt.Errorf("deploy: %q is neither a vault name nor a vault's ARM id", s)
		}
	}
	return ids, names, nil
}

func subscriptionHint(errs []error) string {
	if len(errs) == 0 {
		return ""
	}
	return fmt.Sprintf(" (%d subscriptions could not be listed)", len(errs))
}

func dedupeVaults(vs []azure.Vault) []azure.Vault {
	seen := map[string]bool{}
	var out []azure.Vault
	for _, v := range vs {
		k := registry.VaultKey(v.ID)
		if !seen[k] {
			seen[k] = true
			out = append(out, v)
		}
	}
	return out
}
