package azure

import (
	"errors"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// Options configure a Client.
type Options struct {
	// Credential authenticates every call. Required; see NewCredential.
	Credential azcore.TokenCredential
	// ClientOptions are passed to every SDK client: Transport, Cloud (the
	// zero value is Azure's public cloud), Retry, extra policies. Tests put
	// the emulator's transport and cloud here.
	ClientOptions azcore.ClientOptions
}

// Client reaches Resource Manager and vaults' data planes with one
// identity. It is safe for concurrent use.
type Client struct {
	cred azcore.TokenCredential
	opts azcore.ClientOptions
}

// New returns a Client.
func New(o Options) (*Client, error) {
	if o.Credential == nil {
		return nil, errors.New("azure: no credential")
	}
	return &Client{cred: o.Credential, opts: o.ClientOptions}, nil
}

// armOptions are the options for Resource Manager clients.
func (c *Client) armOptions() *arm.ClientOptions {
	return &arm.ClientOptions{ClientOptions: c.opts}
}

// cloudConfig is the configured cloud, Azure public by default.
func (c *Client) cloudConfig() cloud.Configuration {
	if c.opts.Cloud.ActiveDirectoryAuthorityHost == "" && len(c.opts.Cloud.Services) == 0 {
		return cloud.AzurePublic
	}
	return c.opts.Cloud
}

// managementScope is the OAuth scope of Resource Manager in the cloud.
func (c *Client) managementScope() string {
	aud := cloud.AzurePublic.Services[cloud.ResourceManager].Audience
	if s, ok := c.cloudConfig().Services[cloud.ResourceManager]; ok && s.Audience != "" {
		aud = s.Audience
	}
	return aud + "/.default"
}

// withPolicies returns a copy of the client options with extra per-retry
// policies appended (the planter's rate limiter, for one).
func (c *Client) withPolicies(extra []policy.Policy) azcore.ClientOptions {
	o := c.opts
	o.PerRetryPolicies = append(append([]policy.Policy(nil), c.opts.PerRetryPolicies...), extra...)
	return o
}
