package deploy

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// Permission is one data-plane permission in access-policy terms
// ("secrets/set", "keys/create").
type Permission struct {
	Type registry.Type
	Name string // list, set (secrets), create (keys, certificates), delete, get
}

// String spells the permission as "secrets/set".
func (p Permission) String() string { return string(p.Type) + "s/" + p.Name }

// CheckStatus is what a preflight concluded about one permission.
type CheckStatus string

// Check outcomes.
const (
	Granted CheckStatus = "granted"
	Missing CheckStatus = "missing"
	// Unknown: not visible without writing (RBAC data actions, access
	// through a group's policy entry). A 403 at create names it.
	Unknown CheckStatus = "unknown"
)

// Check is one permission the preflight looked at.
type Check struct {
	Permission
	// Needed is true for what planting cannot do without (list and create
	// of the types being planted); the rest is for retire (delete),
	// reading key types (keys/get) and avoiding names of other types
	// (their list).
	Needed bool
	Status CheckStatus
	// Source says how the status is known: "observed" (a list call's
	// answer) or "inferred" (the vault's access policy, read from Resource
	// Manager), with the detail.
	Source string
}

// Preflight is what the planting identity may do in one vault, checked
// without writing anything: list calls are made (they name no object, so
// they touch no decoy) and, for access-policy vaults, the identity's entry
// is read. Create and delete are inferred from the access policy; on RBAC
// vaults only list is observed, and create and delete stay unknown until
// tried.
type Preflight struct {
	Vault   azure.Vault
	Planter azure.Principal
	// Types are the types being planted.
	Types  []registry.Type
	Checks []Check
	// Granted lists the permissions a temporary access policy added.
	Granted []Permission
}

// OK reports whether nothing planting needs is missing.
func (p *Preflight) OK() bool { return len(p.Blocking()) == 0 }

// Blocking returns the missing permissions planting needs.
func (p *Preflight) Blocking() []Check {
	var out []Check
	for _, c := range p.Checks {
		if c.Needed && c.Status == Missing {
			out = append(out, c)
		}
	}
	return out
}

// MissingAll returns every missing permission of the types being planted,
// needed or not (delete for retire, keys/get for key types). Listing the
// other types only helps avoid their names: it is reported as a check but
// no fix asks for it.
func (p *Preflight) MissingAll() []Check {
	var out []Check
	for _, c := range p.Checks {
		if c.Status == Missing && slices.Contains(p.Types, c.Type) {
			out = append(out, c)
		}
	}
	return out
}

// Problem says in one line what is missing for planting and how it is
// known, or "" when nothing is.
func (p *Preflight) Problem() string {
	b := p.Blocking()
	if len(b) == 0 {
		return ""
	}
	return fmt.Sprintf("%s cannot plant in %s: missing %s", p.Planter, p.Vault.Name, p.MissingText())
}

// Warning says what is missing that planting can do without (delete, for
// retire; keys/get, for key types), with the fix, or "".
func (p *Preflight) Warning() string {
	var parts []string
	for _, c := range p.MissingAll() {
		if !c.Needed {
			parts = append(parts, c.String()+" ("+c.Source+")")
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "missing " + strings.Join(parts, ", ") + ": planting works, but retire (delete) or reading key types (keys/get) will not; fix: " +
		strings.Join(p.Fix(), " && ")
}

// MissingText lists what planting lacks, each with how it is known.
func (p *Preflight) MissingText() string {
	var parts []string
	for _, c := range p.Blocking() {
		parts = append(parts, c.String()+" ("+c.Source+")")
	}
	return strings.Join(parts, ", ")
}

// Fix returns commands that grant every missing permission: for an
// access-policy vault one `az keyvault set-policy` (whose lists replace the
// entry's, so they keep what it already has); for an RBAC vault one
// `az role assignment create` per role.
func (p *Preflight) Fix() []string {
	missing := p.MissingAll()
	if len(missing) == 0 {
		return nil
	}
	v := p.Vault
	if v.RBAC {
		roles := map[string]bool{}
		for _, c := range missing {
			roles[rbacRole(c.Type)] = true
		}
		var out []string
		for _, role := range sortedKeys(roles) {
			out = append(out, AssignCommand(Need{Role: Role{Name: role}}, p.Planter.ObjectID, p.Planter.IsUser(), v.ID))
		}
		return out
	}
	entry, _ := v.EntryFor(p.Planter)
	lists := map[registry.Type][]string{registry.Secret: entry.Secrets, registry.Key: entry.Keys, registry.Certificate: entry.Certificates}
	touched := map[registry.Type]bool{}
	for _, c := range missing {
		if !azure.Has(lists[c.Type], c.Name) {
			lists[c.Type] = append(lists[c.Type], c.Name)
		}
		touched[c.Type] = true
	}
	cmd := fmt.Sprintf("az keyvault set-policy --subscription %s --resource-group %s --name %s --object-id %s",
		v.SubscriptionID, v.ResourceGroup, v.Name, p.Planter.ObjectID)
	for _, t := range registry.Types {
		if !touched[t] {
			continue
		}
		perms := dedupeFold(lists[t])
		sort.Strings(perms)
		cmd += fmt.Sprintf(" --%s-permissions %s", t, strings.Join(perms, " "))
	}
	return []string{cmd}
}

// rbacRole is the built-in role that grants planting and retiring a type.
func rbacRole(t registry.Type) string { return roleFor(t).Name }

// createPermission is the access-policy permission that creates a type.
func createPermission(t registry.Type) string {
	if t == registry.Secret {
		return "set"
	}
	return "create"
}

// listOutcome is what a list call of one type answered.
type listOutcome struct {
	tried bool
	err   error
}

// checkPermissions builds the preflight of a vault for planting types:
// inferred from the vault's access policy (access-policy vaults), observed
// from the list calls made (lists, keyed by type).
func checkPermissions(v azure.Vault, planter azure.Principal, types []registry.Type, lists map[registry.Type]listOutcome) Preflight {
	p := Preflight{Vault: v, Planter: planter, Types: slices.Clone(types)}
	planting := map[registry.Type]bool{}
	for _, t := range types {
		planting[t] = true
	}
	entry, hasEntry := v.EntryFor(planter)
	for _, t := range registry.Types {
		perms := []string{"list", createPermission(t), "delete"}
		if t == registry.Key && (planting[registry.Key] || planting[registry.Certificate]) {
			perms = append(perms, "get")
		}
		if !planting[t] {
			perms = []string{"list"}
		}
		for _, name := range perms {
			c := Check{Permission: Permission{Type: t, Name: name}, Needed: planting[t] && (name == "list" || name == createPermission(t))}
			c.Status, c.Source = inferred(v, planter, entry, hasEntry, t, name)
			if name == "list" {
				if o := lists[t]; o.tried {
					switch {
					case o.err == nil:
						c.Status, c.Source = Granted, "observed: list call succeeded"
					case azure.IsForbidden(o.err):
						c.Status, c.Source = Missing, "observed: list call refused (403)"
					default:
						c.Status, c.Source = Unknown, "observed: list call failed: "+shortErr(o.err)
					}
				}
			}
			p.Checks = append(p.Checks, c)
		}
	}
	// Listing works though the identity has no entry of its own: it has
	// access through a group (or an application entry), which Resource
	// Manager does not resolve for us. Do not claim the rest is missing.
	if !v.RBAC && !hasEntry {
		for i, c := range p.Checks {
			if c.Name != "list" && c.Status == Missing && lists[c.Type].tried && lists[c.Type].err == nil {
				p.Checks[i].Status = Unknown
				p.Checks[i].Source = "inferred: no access-policy entry of its own, but listing works (a group's entry?)"
			}
		}
	}
	return p
}

func inferred(v azure.Vault, planter azure.Principal, entry azure.AccessPolicy, hasEntry bool, t registry.Type, name string) (CheckStatus, string) {
	if v.RBAC {
		return Unknown, fmt.Sprintf("not verified: an RBAC vault (honeyvault does not write to find out; %s grants it)", rbacRole(t))
	}
	if !hasEntry {
		return Missing, "inferred: no access-policy entry for " + planter.ObjectID
	}
	list := map[registry.Type][]string{registry.Secret: entry.Secrets, registry.Key: entry.Keys, registry.Certificate: entry.Certificates}[t]
	if azure.Has(list, name) {
		return Granted, "inferred: access-policy entry"
	}
	return Missing, "inferred: not in the access-policy entry"
}

// shortErr is an error in a few words for a note: Azure's status and code
// when there is an answer (the SDK's own message spans lines), else the
// first line of the message.
func shortErr(err error) string {
	if code := azure.StatusCode(err); code != 0 {
		if c := azure.ErrorCode(err); c != "" {
			return fmt.Sprintf("%d %s", code, c)
		}
		return fmt.Sprintf("%d %s", code, http.StatusText(code))
	}
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

func dedupeFold(in []string) []string {
	var out []string
	for _, s := range in {
		l := strings.ToLower(s)
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// PolicyProblem says, from an access-policy vault's policy alone (no call
// made), why planter cannot plant types there, with the fix; "" when
// nothing is known to be missing. It speaks only when the planter has an
// entry of its own: without one it may still have access through a group,
// and on an RBAC vault nothing is visible without writing.
func PolicyProblem(v azure.Vault, planter azure.Principal, types []registry.Type) string {
	if v.RBAC {
		return ""
	}
	if _, ok := v.EntryFor(planter); !ok {
		return ""
	}
	p := checkPermissions(v, planter, types, nil)
	if p.OK() {
		return ""
	}
	return "missing " + p.MissingText() + "; fix: " + strings.Join(p.Fix(), " && ")
}
