package web

import (
	"github.com/honeyvault/honeyvault/internal/auth"
	"github.com/honeyvault/honeyvault/internal/store"
)

// scoped narrows a decoy filter to what p may see (auth.Principal.DecoyScope:
// vault owners see the subscriptions and vaults of their scope only).
func scoped(p auth.Principal, f store.DecoyFilter) store.DecoyFilter {
	f.Scope = p.DecoyScope()
	return f
}
