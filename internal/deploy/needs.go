package deploy

import (
	"fmt"
	"strings"

	"github.com/honeyvault/honeyvault/internal/auditpath"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// Role is an Azure built-in role.
type Role struct {
	Name string
	ID   string // the role definition's GUID, the same in every tenant
}

// The built-in roles honeyvault's features need, least privilege first.
var (
	RoleReader                = Role{"Reader", "acdd72a7-3385-48ef-bd42-f606fba81ae7"}
	RoleMonitoringReader      = Role{"Monitoring Reader", "43d0d8ad-25c7-4714-9337-8ba259a9fe05"}
	RoleMonitoringContributor = Role{"Monitoring Contributor", "749f88d5-cbae-40b8-bcfc-e573ddc772fa"}
	RoleTagContributor        = Role{"Tag Contributor", "4a9ae827-6dc8-4573-8ac7-8239d42aa03f"}
	RoleKeyVaultContributor   = Role{"Key Vault Contributor", "f25e0fa2-a7c8-4377-a976-54943a77a395"}
	RoleSecretsOfficer        = Role{"Key Vault Secrets Officer", "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"}
	RoleSecretsUser           = Role{"Key Vault Secrets User", "4633458b-17de-408a-b874-0445c86b69e6"}
	RoleCryptoOfficer         = Role{"Key Vault Crypto Officer", "14b46e9e-c2b7-41b4-b07b-48a6ebf60603"}
	RoleCertificatesOfficer   = Role{"Key Vault Certificates Officer", "a4417e6f-fecd-4de8-b567-7b0420556985"}
	RoleEventHubsReceiver     = Role{"Azure Event Hubs Data Receiver", "a638d3c7-ab3a-418d-83e6-5f17a39d4fde"}
	RoleBlobReader            = Role{"Storage Blob Data Reader", "2a2b9908-6ea1-4ae2-a4aa-e3b3f4e4dc5a"}
	RoleLogAnalyticsReader    = Role{"Log Analytics Reader", "73c42c96-874c-492b-b04d-ab87d138a893"}
)

// Scope is where a role is assigned.
type Scope string

// The scopes.
const (
	ScopeSubscription Scope = "subscription" // each subscription honeyvault covers
	ScopeVault        Scope = "vault"        // each vault (RBAC vaults; or the subscription, which covers them all)
	ScopeDestination  Scope = "destination"  // the Event Hubs namespace, storage account or workspace a source reads
)

// Need is one thing honeyvault's identity needs for a feature.
type Need struct {
	Feature string
	Scope   Scope
	Role    Role
	// Policy are the access-policy entries that do the same on a vault
	// using access policies ("secrets/list"); empty when only the role
	// applies.
	Policy []string
	// Target names the destination for ScopeDestination.
	Target string
	// Optional features are off unless configured or run by hand.
	Optional bool
	Note     string
}

// Needs lists what honeyvault's identity needs: discovery, planting and
// retiring types, the diagnostics check, and the optional features, then
// reading logs from each destination honeyvault reads.
func Needs(types []registry.Type, dest *auditpath.Destinations) []Need {
	out := []Need{
		{Feature: "discovery", Scope: ScopeSubscription, Role: RoleReader, Note: "list subscriptions and vaults, read their access policies and tags"},
		{Feature: "diagnostics check", Scope: ScopeSubscription, Role: RoleMonitoringReader, Note: "read each decoy vault's diagnostic settings"},
	}
	for _, t := range types {
		perms := []string{"list", createPermission(t), "delete", "purge"}
		if t != registry.Secret {
			perms = append(perms, "get")
		}
		policy := make([]string, len(perms))
		for i, p := range perms {
			policy[i] = string(t) + "s/" + p
		}
		out = append(out, Need{Feature: "plant and retire " + string(t) + "s", Scope: ScopeVault, Role: roleFor(t), Policy: policy,
			Note: "list (to pick names), create, delete and purge decoys; nothing reads a real value"})
	}
	out = append(out,
		Need{Feature: "heartbeats", Scope: ScopeVault, Role: RoleSecretsUser, Policy: []string{"secrets/get"}, Optional: true,
			Note: "none strictly: a refused GET is logged too; with secrets/get the heartbeat's 404 raises no warning (the planting role or entry covers it)"},
		Need{Feature: "KVReview tags", Scope: ScopeSubscription, Role: RoleTagContributor, Optional: true, Note: "kvreview.enabled or honeyvault policy tag --apply"},
		Need{Feature: "azure connect", Scope: ScopeSubscription, Role: RoleMonitoringContributor, Optional: true,
			Note: "write each vault's honeyvault diagnostic setting; also send to the destination (listkeys on the Event Hubs rule)"},
		Need{Feature: "temporary grant", Scope: ScopeVault, Role: RoleKeyVaultContributor, Optional: true,
			Note: "plant.grant_temporary: add and remove its own access-policy entry on access-policy vaults"},
	)
	for _, d := range dest.List() {
		switch d.Kind {
		case auditpath.EventHub:
			out = append(out, Need{Feature: "read logs", Scope: ScopeDestination, Role: RoleEventHubsReceiver, Target: first(d.NamespaceID, "Event Hubs namespace "+d.Namespace),
				Note: "with Entra ID sign-in; a connection string needs none"})
		case auditpath.Storage:
			out = append(out, Need{Feature: "read logs", Scope: ScopeDestination, Role: RoleBlobReader, Target: first(d.AccountID, "storage account "+d.Account),
				Note: "with Entra ID sign-in; a connection string or SAS needs none"})
		case auditpath.Workspace:
			out = append(out, Need{Feature: "read logs", Scope: ScopeDestination, Role: RoleLogAnalyticsReader, Target: d.WorkspaceID})
		}
	}
	return out
}

func roleFor(t registry.Type) Role {
	switch t {
	case registry.Key:
		return RoleCryptoOfficer
	case registry.Certificate:
		return RoleCertificatesOfficer
	}
	return RoleSecretsOfficer
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// AssignCommand is the az command that assigns need's role to the
// principal at scope (an ARM id).
func AssignCommand(n Need, principalID string, user bool, scope string) string {
	ptype := "ServicePrincipal"
	if user {
		ptype = "User"
	}
	return fmt.Sprintf("az role assignment create --role %q --assignee-object-id %s --assignee-principal-type %s --scope %s",
		n.Role.Name, principalID, ptype, strings.TrimRight(scope, "/"))
}
