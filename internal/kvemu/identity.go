package kvemu

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// Identity is who calls the emulator: a user (with a UPN) or an application
// (service principal or managed identity, no UPN). Audit records name it.
type Identity struct {
	ObjectID string // oid: the principal's object id; access policies and role assignments match it
	UPN      string // upn: a user's sign-in name; empty for applications
	AppID    string // appid: the client application the token was issued to
	TenantID string // tid: the tenant; empty means the tenant of the vault's challenge
	// IPAddress, when set, is reported as the caller's IP (callerIpAddress
	// and the ipaddr claim) instead of the loopback address every test
	// connection comes from, so the lab can show realistic callers.
	IPAddress string
}

// Validate reports what is missing from id.
func (id Identity) Validate() error {
	if strings.TrimSpace(id.ObjectID) == "" {
		return errors.New("kvemu: identity needs an object id")
	}
	if strings.TrimSpace(id.AppID) == "" {
		return errors.New("kvemu: identity needs an app id")
	}
	return nil
}

// tokenLifetime is how long a minted token is valid, like Entra ID's default.
const tokenLifetime = time.Hour

// Credential returns an azcore.TokenCredential that mints bearer tokens for
// id, signed with the emulator's key, for any scope the SDK asks for (Key
// Vault, ARM). The emulator verifies them and names id in audit records.
// Tokens are HS256 JWTs with Entra-like claims (oid, upn, appid, tid, aud).
func (e *Emulator) Credential(id Identity) azcore.TokenCredential {
	return &credential{e: e, id: id}
}

type credential struct {
	e  *Emulator
	id Identity
}

// GetToken implements azcore.TokenCredential.
func (c *credential) GetToken(_ context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	if err := c.id.Validate(); err != nil {
		return azcore.AccessToken{}, err
	}
	if len(opts.Scopes) != 1 {
		return azcore.AccessToken{}, fmt.Errorf("kvemu: credential wants exactly one scope, got %d", len(opts.Scopes))
	}
	tenant := c.id.TenantID
	if tenant == "" {
		tenant = opts.TenantID
	}
	if tenant == "" {
		tenant = c.e.opts.TenantID
	}
	now := c.e.Now()
	tok, err := c.e.mintToken(tokenClaims{
		Audience: audienceFromScope(opts.Scopes[0]),
		Issuer:   "https://sts.windows.net/" + tenant + "/",
		IssuedAt: now.Unix(),
		NotBefor: now.Unix(),
		Expires:  now.Add(tokenLifetime).Unix(),
		OID:      c.id.ObjectID,
		Subject:  c.id.ObjectID,
		TID:      tenant,
		UPN:      c.id.UPN,
		Unique:   c.id.UPN,
		AppID:    c.id.AppID,
		IPAddr:   c.id.IPAddress,
		Version:  "1.0",
	})
	if err != nil {
		return azcore.AccessToken{}, err
	}
	// The claims follow the emulator's clock; ExpiresOn follows the real one,
	// which is what the SDK's token cache compares it with.
	return azcore.AccessToken{Token: tok, ExpiresOn: time.Now().Add(tokenLifetime)}, nil
}

// Token mints a bearer token for id and audience (for example
// "https://vault.azure.net" or "https://management.azure.com/"), for clients
// outside this process such as curl or another program.
func (e *Emulator) Token(id Identity, audience string) (string, error) {
	tok, err := e.Credential(id).GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{audience + "/.default"}})
	return tok.Token, err
}

// audienceFromScope turns an OAuth scope into the token audience the way
// Entra ID does: "https://vault.azure.net/.default" -> "https://vault.azure.net",
// "https://management.azure.com//.default" -> "https://management.azure.com/".
func audienceFromScope(scope string) string {
	return strings.TrimSuffix(scope, "/.default")
}
