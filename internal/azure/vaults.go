package azure

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/keyvault/armkeyvault"
)

// Vault is a key vault as Resource Manager describes it.
type Vault struct {
	ID             string // ARM id, as Azure spells it
	Name           string
	SubscriptionID string
	ResourceGroup  string
	Location       string
	TenantID       string
	URI            string // data plane, "https://{name}.vault.azure.net/"
	SKU            string // standard or premium (premium allows HSM keys)
	Tags           map[string]string
	// RBAC is true when the vault uses Azure RBAC instead of access
	// policies.
	RBAC           bool
	AccessPolicies []AccessPolicy // access-policy vaults only
	PurgeProtected bool
	// SoftDelete is true when deleted objects stay recoverable for the
	// retention period. Azure no longer lets it be turned off; a vault
	// that does not say counts as on, as Azure treats it.
	SoftDelete bool
}

// AccessPolicy is one access-policy entry of a vault.
type AccessPolicy struct {
	TenantID      string
	ObjectID      string
	ApplicationID string // compound identities only
	Keys          []string
	Secrets       []string
	Certificates  []string
}

// Model names the vault's permission model for people.
func (v Vault) Model() string {
	if v.RBAC {
		return "Azure RBAC"
	}
	return "access policies"
}

// SubscriptionError is a subscription whose vaults could not be listed.
type SubscriptionError struct {
	SubscriptionID string
	Err            error
}

// Error names the subscription and what went wrong.
func (e *SubscriptionError) Error() string {
	return fmt.Sprintf("subscription %s: %v", e.SubscriptionID, e.Err)
}

// Unwrap returns the underlying error.
func (e *SubscriptionError) Unwrap() error { return e.Err }

// Vaults lists the key vaults of each subscription (all the identity can
// see when subscriptions is empty), ordered by subscription then name. A
// subscription that cannot be listed does not stop the others: its error is
// among the returned errors (each a *SubscriptionError), next to the vaults
// of the rest.
func (c *Client) Vaults(ctx context.Context, subscriptions []string) ([]Vault, []error) {
	if len(subscriptions) == 0 {
		subs, err := c.Subscriptions(ctx)
		if err != nil {
			return nil, []error{err}
		}
		for _, s := range subs {
			if s.Usable() {
				subscriptions = append(subscriptions, s.ID)
			}
		}
	}
	var out []Vault
	var errs []error
	for _, sub := range subscriptions {
		vs, err := c.subscriptionVaults(ctx, sub)
		if err != nil {
			errs = append(errs, &SubscriptionError{SubscriptionID: sub, Err: err})
			if ctx.Err() != nil {
				break
			}
			continue
		}
		out = append(out, vs...)
	}
	return out, errs
}

func (c *Client) subscriptionVaults(ctx context.Context, sub string) ([]Vault, error) {
	cl, err := armkeyvault.NewVaultsClient(sub, c.cred, c.armOptions())
	if err != nil {
		return nil, err
	}
	var out []Vault
	pager := cl.NewListBySubscriptionPager(nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, v := range page.Value {
			if vv, ok := vaultOf(v); ok {
				out = append(out, vv)
			}
		}
	}
	slices.SortFunc(out, func(a, b Vault) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	return out, nil
}

// Vault reads one vault by ARM id.
func (c *Client) Vault(ctx context.Context, id string) (Vault, error) {
	sub, rg, name, err := ParseVaultID(id)
	if err != nil {
		return Vault{}, err
	}
	cl, err := armkeyvault.NewVaultsClient(sub, c.cred, c.armOptions())
	if err != nil {
		return Vault{}, fmt.Errorf("azure: %w", err)
	}
	resp, err := cl.Get(ctx, rg, name, nil)
	if err != nil {
		return Vault{}, fmt.Errorf("azure: vault %s: %w", name, err)
	}
	v, ok := vaultOf(&resp.Vault)
	if !ok {
		return Vault{}, fmt.Errorf("azure: vault %s: Resource Manager returned an incomplete vault", name)
	}
	return v, nil
}

// ParseVaultID splits /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{name}.
func ParseVaultID(id string) (subscription, resourceGroup, name string, err error) {
	p := strings.Split(strings.Trim(id, "/"), "/")
	if len(p) != 8 || !strings.EqualFold(p[0], "subscriptions") || !strings.EqualFold(p[2], "resourceGroups") ||
		!strings.EqualFold(p[4], "providers") || !strings.EqualFold(p[5], "Microsoft.KeyVault") || !strings.EqualFold(p[6], "vaults") ||
		p[1] == "" || p[3] == "" || p[7] == "" {
		return "", "", "", fmt.Errorf("azure: %q is not a key vault id (/subscriptions/S/resourceGroups/RG/providers/Microsoft.KeyVault/vaults/NAME)", id)
	}
	return p[1], p[3], p[7], nil
}

func vaultOf(v *armkeyvault.Vault) (Vault, bool) {
	if v == nil || v.ID == nil || v.Name == nil || v.Properties == nil {
		return Vault{}, false
	}
	sub, rg, _, err := ParseVaultID(*v.ID)
	if err != nil {
		return Vault{}, false
	}
	p := v.Properties
	out := Vault{
		ID: *v.ID, Name: *v.Name, SubscriptionID: sub, ResourceGroup: rg,
		Location: deref(v.Location), TenantID: deref(p.TenantID), URI: deref(p.VaultURI),
		RBAC: p.EnableRbacAuthorization != nil && *p.EnableRbacAuthorization, Tags: map[string]string{},
		PurgeProtected: p.EnablePurgeProtection != nil && *p.EnablePurgeProtection,
		SoftDelete:     p.EnableSoftDelete == nil || *p.EnableSoftDelete,
	}
	if p.SKU != nil && p.SKU.Name != nil {
		out.SKU = string(*p.SKU.Name)
	}
	for k, val := range v.Tags {
		out.Tags[k] = deref(val)
	}
	for _, ap := range p.AccessPolicies {
		if ap == nil {
			continue
		}
		e := AccessPolicy{TenantID: deref(ap.TenantID), ObjectID: deref(ap.ObjectID), ApplicationID: deref(ap.ApplicationID)}
		if ap.Permissions != nil {
			e.Keys = strs(ap.Permissions.Keys)
			e.Secrets = strs(ap.Permissions.Secrets)
			e.Certificates = strs(ap.Permissions.Certificates)
		}
		out.AccessPolicies = append(out.AccessPolicies, e)
	}
	if out.URI == "" {
		out.URI = "https://" + out.Name + ".vault.azure.net/"
	}
	return out, true
}

// Clone returns a deep copy of v.
func (v Vault) Clone() Vault {
	v.Tags = maps.Clone(v.Tags)
	aps := make([]AccessPolicy, len(v.AccessPolicies))
	for i, ap := range v.AccessPolicies {
		ap.Keys, ap.Secrets, ap.Certificates = slices.Clone(ap.Keys), slices.Clone(ap.Secrets), slices.Clone(ap.Certificates)
		aps[i] = ap
	}
	v.AccessPolicies = aps
	return v
}

func deref[T ~string](p *T) string {
	if p == nil {
		return ""
	}
	return string(*p)
}

func strs[T ~string](in []*T) []string {
	var out []string
	for _, s := range in {
		if s != nil {
			out = append(out, string(*s))
		}
	}
	return out
}
