package azure

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/keyvault/armkeyvault"
)

// PolicyChange is how UpdateAccessPolicy changes a vault's entry for an
// identity.
type PolicyChange string

// The changes Resource Manager offers.
const (
	// PolicyAdd merges the permissions into the identity's entry, creating
	// it when absent.
	PolicyAdd PolicyChange = "add"
	// PolicyReplace sets the identity's entry to exactly these permissions.
	PolicyReplace PolicyChange = "replace"
	// PolicyRemove removes the identity's entry.
	PolicyRemove PolicyChange = "remove"
)

// UpdateAccessPolicy changes one access-policy entry of an access-policy
// vault (Microsoft.KeyVault/vaults/accessPolicies/write).
func (c *Client) UpdateAccessPolicy(ctx context.Context, vaultID string, change PolicyChange, ap AccessPolicy) error {
	sub, rg, name, err := ParseVaultID(vaultID)
	if err != nil {
		return err
	}
	cl, err := armkeyvault.NewVaultsClient(sub, c.cred, c.armOptions())
	if err != nil {
		return fmt.Errorf("azure: %w", err)
	}
	entry := &armkeyvault.AccessPolicyEntry{
		TenantID: to.Ptr(ap.TenantID), ObjectID: to.Ptr(ap.ObjectID),
		Permissions: &armkeyvault.Permissions{
			Keys:         perms[armkeyvault.KeyPermissions](ap.Keys),
			Secrets:      perms[armkeyvault.SecretPermissions](ap.Secrets),
			Certificates: perms[armkeyvault.CertificatePermissions](ap.Certificates),
		},
	}
	if ap.ApplicationID != "" {
		entry.ApplicationID = to.Ptr(ap.ApplicationID)
	}
	_, err = cl.UpdateAccessPolicy(ctx, rg, name, armkeyvault.AccessPolicyUpdateKind(change), armkeyvault.VaultAccessPolicyParameters{
		Properties: &armkeyvault.VaultAccessPolicyProperties{AccessPolicies: []*armkeyvault.AccessPolicyEntry{entry}},
	}, nil)
	if err != nil {
		return fmt.Errorf("azure: vault %s: unable to %s the access policy of %s: %w", name, change, ap.ObjectID, err)
	}
	return nil
}

func perms[T ~string](in []string) []*T {
	out := make([]*T, 0, len(in))
	for _, p := range in {
		v := T(p)
		out = append(out, &v)
	}
	return out
}

// EntryFor returns the access-policy entry that applies to the principal
// itself: its object id, and either no application id or its own app id.
// Entries for groups the principal belongs to are invisible here.
func (v Vault) EntryFor(p Principal) (AccessPolicy, bool) {
	for _, ap := range v.AccessPolicies {
		if strings.EqualFold(ap.ObjectID, p.ObjectID) && (ap.ApplicationID == "" || strings.EqualFold(ap.ApplicationID, p.AppID)) {
			return ap, true
		}
	}
	return AccessPolicy{}, false
}

// Has reports whether a permission list grants perm ("all" grants
// everything), case-insensitively as Key Vault compares them.
func Has(list []string, perm string) bool {
	return slices.ContainsFunc(list, func(p string) bool { return strings.EqualFold(p, perm) || strings.EqualFold(p, "all") })
}
