package azure

import (
	"context"
	"fmt"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// VaultClient talks to one vault's data plane: secrets, keys and
// certificates. It is safe for concurrent use.
type VaultClient struct {
	vault   Vault
	secrets *azsecrets.Client
	keys    *azkeys.Client
	certs   *azcertificates.Client
}

// DataPlane returns a client for v's data plane. extra policies run on
// every attempt of every request (after authentication), which is where
// the planter's rate limiter sits.
func (c *Client) DataPlane(v Vault, extra ...policy.Policy) (*VaultClient, error) {
	if v.URI == "" {
		return nil, fmt.Errorf("azure: vault %s has no URI", v.Name)
	}
	o := c.withPolicies(extra)
	s, err := azsecrets.NewClient(v.URI, c.cred, &azsecrets.ClientOptions{ClientOptions: o})
	if err != nil {
		return nil, fmt.Errorf("azure: vault %s: %w", v.Name, err)
	}
	k, err := azkeys.NewClient(v.URI, c.cred, &azkeys.ClientOptions{ClientOptions: o})
	if err != nil {
		return nil, fmt.Errorf("azure: vault %s: %w", v.Name, err)
	}
	ce, err := azcertificates.NewClient(v.URI, c.cred, &azcertificates.ClientOptions{ClientOptions: o})
	if err != nil {
		return nil, fmt.Errorf("azure: vault %s: %w", v.Name, err)
	}
	return &VaultClient{vault: v, secrets: s, keys: k, certs: ce}, nil
}

// Vault is the vault the client talks to.
func (vc *VaultClient) Vault() Vault { return vc.vault }

// Authenticate makes the type's client sign in with one list page. A new
// client's first request goes without credentials and gets Key Vault's
// challenge; Key Vault logs that 401 as a failed "Authentication" naming
// whatever object the request named, without any identity. On a decoy that
// is an alert no allow rule can cover, so call this before a request that
// names a decoy (list calls name no object).
func (vc *VaultClient) Authenticate(ctx context.Context, t registry.Type) error {
	var err error
	switch t {
	case registry.Secret:
		_, err = vc.secrets.NewListSecretPropertiesPager(nil).NextPage(ctx)
	case registry.Key:
		_, err = vc.keys.NewListKeyPropertiesPager(nil).NextPage(ctx)
	case registry.Certificate:
		_, err = vc.certs.NewListCertificatePropertiesPager(nil).NextPage(ctx)
	default:
		return fmt.Errorf("azure: unknown object type %q", t)
	}
	if err != nil {
		return fmt.Errorf("azure: vault %s: signing in to %ss: %w", vc.vault.Name, t, err)
	}
	return nil
}
