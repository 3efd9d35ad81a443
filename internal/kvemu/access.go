package kvemu

import (
	"errors"

	"fmt"
	"github.com/google/uuid"
	"slices"
	"strings"
)

// AccessPolicy grants one identity permissions on a vault that uses the
// access-policy model. Permission names are Azure's ("get", "list", "set",
// "delete", "recover", "backup", "restore", "purge", "create", "update",
// "import", "sign", "verify", "encrypt", "decrypt", "wrapKey", "unwrapKey",
// ... or "all"), compared case-insensitively.
type AccessPolicy struct {
	TenantID      string      `json:"tenantId"`
	ObjectID      string      `json:"objectId"`
	ApplicationID string      `json:"applicationId,omitempty"`
	Permissions   Permissions `json:"permissions"`
}

// Permissions are an access policy's permission lists per object type.
type Permissions struct {
	Keys         []string `json:"keys,omitempty"`
	Secrets      []string `json:"secrets,omitempty"`
	Certificates []string `json:"certificates,omitempty"`
	Storage      []string `json:"storage,omitempty"`
}

func (p AccessPolicy) validate() error {
	if strings.TrimSpace(p.ObjectID) == "" {
		return errors.New("access policy needs an object id")
	}
	return nil
}

func clonePolicies(ps []AccessPolicy) []AccessPolicy {
	out := make([]AccessPolicy, len(ps))
	for i, p := range ps {
		out[i] = p
		out[i].Permissions = Permissions{
			Keys: slices.Clone(p.Permissions.Keys), Secrets: slices.Clone(p.Permissions.Secrets),
			Certificates: slices.Clone(p.Permissions.Certificates), Storage: slices.Clone(p.Permissions.Storage),
		}
	}
	return out
}

// list returns the permission list for an object kind.
func (p Permissions) list(kind objectKind) []string {
	switch kind {
	case kindSecret:
		return p.Secrets
	case kindKey:
		return p.Keys
	case kindCertificate:
		return p.Certificates
	}
	return nil
}

// RoleAssignment grants a built-in Key Vault role to a principal at a scope:
// a subscription, resource group or vault ARM id, or an object under a
// vault ("{vault id}/secrets/{name}").
type RoleAssignment struct {
	Name        string // the assignment's GUID; empty means a new one
	PrincipalID string // the identity's object id
	Role        string // a built-in role name, e.g. "Key Vault Secrets User"
	Scope       string // ARM id prefix the assignment covers
}

// builtinRoles maps Key Vault's built-in roles to their data actions.
// Wildcards end in "*". The names and actions are Azure's.
var builtinRoles = map[string][]string{
	"key vault administrator": {"Microsoft.KeyVault/vaults/*"},
	"key vault reader": {
		"Microsoft.KeyVault/vaults/*/read", "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
	},
	"key vault secrets officer": {"Microsoft.KeyVault/vaults/secrets/*", "Microsoft.KeyVault/vaults/deletedSecrets/*"},
	"key vault secrets user": {
		"Microsoft.KeyVault/vaults/secrets/getSecret/action", "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
	},
	"key vault crypto officer": {
		"Microsoft.KeyVault/vaults/keys/*", "Microsoft.KeyVault/vaults/deletedKeys/*",
		"Microsoft.KeyVault/vaults/keyrotationpolicies/*",
	},
	"key vault crypto user": {
		"Microsoft.KeyVault/vaults/keys/read", "Microsoft.KeyVault/vaults/keys/update/action",
		"Microsoft.KeyVault/vaults/keys/backup/action", "Microsoft.KeyVault/vaults/keys/encrypt/action",
		"Microsoft.KeyVault/vaults/keys/decrypt/action", "Microsoft.KeyVault/vaults/keys/wrap/action",
		"Microsoft.KeyVault/vaults/keys/unwrap/action", "Microsoft.KeyVault/vaults/keys/sign/action",
		"Microsoft.KeyVault/vaults/keys/verify/action",
	},
	"key vault crypto service encryption user": {
		"Microsoft.KeyVault/vaults/keys/read", "Microsoft.KeyVault/vaults/keys/wrap/action",
		"Microsoft.KeyVault/vaults/keys/unwrap/action",
	},
	"key vault certificates officer": {
		"Microsoft.KeyVault/vaults/certificatecas/*", "Microsoft.KeyVault/vaults/certificates/*",
		"Microsoft.KeyVault/vaults/certificatecontacts/write", "Microsoft.KeyVault/vaults/deletedCertificates/*",
	},
	"key vault certificate user": {
		"Microsoft.KeyVault/vaults/certificates/read", "Microsoft.KeyVault/vaults/secrets/getSecret/action",
		"Microsoft.KeyVault/vaults/secrets/readMetadata/action", "Microsoft.KeyVault/vaults/keys/read",
	},
}

// AssignRole adds a role assignment to the estate. Only vaults with
// EnableRBACAuthorization consult role assignments.
func (e *Emulator) AssignRole(ra RoleAssignment) error {
	if strings.TrimSpace(ra.PrincipalID) == "" {
		return errors.New("kvemu: role assignment needs a principal id")
	}
	if _, ok := builtinRoles[strings.ToLower(ra.Role)]; !ok {
		return fmt.Errorf("kvemu: unknown role %q", ra.Role)
	}
	if !strings.HasPrefix(ra.Scope, "/subscriptions/") {
		return fmt.Errorf("kvemu: role scope %q is not an ARM id", ra.Scope)
	}
	if ra.Name == "" {
		ra.Name = uuid.NewString()
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.roles = append(e.roles, ra)
	return nil
}

// RoleAssignments lists the estate's role assignments.
func (e *Emulator) RoleAssignments() []RoleAssignment {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return slices.Clone(e.roles)
}

// roleDefinitionIDs are the built-in roles' definition GUIDs (Azure's).
var roleDefinitionIDs = map[string]string{
	"key vault administrator":                  "00482a5a-887f-4fb3-b363-3b7fe8e74483",
	"key vault certificates officer":           "a4417e6f-fecd-4de8-b567-7b0420556985",
	"key vault certificate user":               "db79e9a7-68ee-4b58-9aeb-b90e7c24fcba",
	"key vault crypto officer":                 "14b46e9e-c2b7-41b4-b07b-48a6ebf60603",
	"key vault crypto service encryption user": "e147488a-f6f5-4113-8e2d-b22465e65bf6",
	"key vault crypto user":                    "12338af0-0e69-4776-bea7-57ae8d297424",
	"key vault reader":                         "21090545-7ca7-4776-b22c-e363652d74d2",
	"key vault secrets officer":                "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
	"key vault secrets user":                   "4633458b-17de-408a-b874-0445c86b69e6",
}

// roleByDefinitionID finds a built-in role's name by its definition GUID.
func roleByDefinitionID(id string) (string, bool) {
	for name, guid := range roleDefinitionIDs {
		if strings.EqualFold(guid, id) {
			return name, true
		}
	}
	return "", false
}

// scopeCovers reports whether an assignment at scope applies to resource:
// the same id or an ancestor of it.
func scopeCovers(scope, resource string) bool {
	s, r := strings.ToLower(strings.TrimSuffix(scope, "/")), strings.ToLower(strings.TrimSuffix(resource, "/"))
	return r == s || strings.HasPrefix(r, s+"/")
}

// rbacAllows reports whether any role assignment of principal covers action
// on resource (a vault id or an object under it).
func (e *Emulator) rbacAllows(principal, resource, action string) bool {
	e.mu.RLock()
	defer e.mu.RUnlock()
	res := strings.ToLower(resource)
	for _, ra := range e.roles {
		if !strings.EqualFold(ra.PrincipalID, principal) {
			continue
		}
		if !scopeCovers(ra.Scope, res) {
			continue
		}
		for _, granted := range builtinRoles[strings.ToLower(ra.Role)] {
			if actionMatches(granted, action) {
				return true
			}
		}
	}
	return false
}

// actionMatches matches an RBAC action against a granted pattern, where "*"
// stands for any run of characters (Azure's wildcard semantics).
func actionMatches(pattern, action string) bool {
	p, a := strings.ToLower(pattern), strings.ToLower(action)
	before, after, wild := strings.Cut(p, "*")
	if !wild {
		return p == a
	}
	return len(a) >= len(before)+len(after) && strings.HasPrefix(a, before) && strings.HasSuffix(a, after)
}

// policyAllows reports whether the access policies grant perm on kind to
// the caller (matched by object id and tenant).
func policyAllows(policies []AccessPolicy, c *tokenClaims, kind objectKind, perm string) bool {
	for _, p := range policies {
		if !strings.EqualFold(p.ObjectID, c.OID) {
			continue
		}
		if p.TenantID != "" && !strings.EqualFold(p.TenantID, c.TID) {
			continue
		}
		if p.ApplicationID != "" && !strings.EqualFold(p.ApplicationID, c.AppID) {
			continue
		}
		for _, granted := range p.Permissions.list(kind) {
			if strings.EqualFold(granted, perm) || strings.EqualFold(granted, "all") {
				return true
			}
		}
	}
	return false
}
