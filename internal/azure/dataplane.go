package azure

import (
	"fmt"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
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
