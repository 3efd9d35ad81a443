package web

import (
	"github.com/honeyvault/honeyvault/internal/auth"
	"github.com/honeyvault/honeyvault/internal/store"
)

// noSubscription matches no decoy: an owner with an empty scope sees nothing.
const noSubscription = "\x00none"

// scoped narrows a decoy filter to what p may see. Vault owners see only the
// subscriptions of their scope.
func scoped(p auth.Principal, f store.DecoyFilter) store.DecoyFilter {
	if p.Role != auth.Owner {
		return f
	}
	f.Subscriptions = append([]string{noSubscription}, p.Scope.Subscriptions...)
	return f
}
