package auth

import "strings"

// RoleMap turns what an identity provider says about a person — group object
// ids (the "groups" claim) and app roles (the "roles" claim) — into a role.
// Values are compared in any case. The most powerful matching role wins;
// an owner matched by several grants gets the union of their scopes.
type RoleMap struct {
	Admin   []string     // groups or app roles that make an admin
	Analyst []string     // ... an analyst
	Owners  []OwnerGrant // ... a vault owner, each with its scope
}

// OwnerGrant makes the members of Group (a group id or app role) owners of
// Scope.
type OwnerGrant struct {
	Group string
	Scope Scope
}

// Resolve returns the role and scope for a person with values (groups and
// app roles together), and false if no rule matches: such a person may not
// sign in.
func (m RoleMap) Resolve(values []string) (Role, Scope, bool) {
	has := func(want string) bool {
		for _, v := range values {
			if want != "" && strings.EqualFold(strings.TrimSpace(v), strings.TrimSpace(want)) {
				return true
			}
		}
		return false
	}
	for _, g := range m.Admin {
		if has(g) {
			return Admin, Scope{}, true
		}
	}
	for _, g := range m.Analyst {
		if has(g) {
			return Analyst, Scope{}, true
		}
	}
	var sc Scope
	for _, o := range m.Owners {
		if has(o.Group) {
			sc.Subscriptions = append(sc.Subscriptions, o.Scope.Subscriptions...)
			sc.Vaults = append(sc.Vaults, o.Scope.Vaults...)
		}
	}
	if sc.Empty() {
		return "", Scope{}, false
	}
	return Owner, sc, true
}
