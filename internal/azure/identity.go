package azure

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// IdentitySettings choose the identity honeyvault acts as. The zero value
// means DefaultAzureCredential: AZURE_* environment variables, workload
// identity, managed identity, then the Azure CLI's signed-in account.
type IdentitySettings struct {
	TenantID string
	ClientID string
	// ClientSecret, with TenantID and ClientID, signs in as that service
	// principal.
	ClientSecret string
	// CertificateFile (PEM or PKCS#12 with the private key), with TenantID
	// and ClientID, signs in as that service principal with a certificate.
	CertificateFile     string
	CertificatePassword string
	// ManagedIdentity uses the host's managed identity (ClientID picks a
	// user-assigned one).
	ManagedIdentity bool
}

// NewCredential returns the credential the settings describe. opts carries
// the transport and cloud (authority host) for credentials that make HTTP
// calls themselves.
func NewCredential(s IdentitySettings, opts azcore.ClientOptions) (azcore.TokenCredential, error) {
	switch {
	case s.ManagedIdentity:
		o := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: opts}
		if s.ClientID != "" {
			o.ID = azidentity.ClientID(s.ClientID)
		}
		return azidentity.NewManagedIdentityCredential(o)
	case s.ClientSecret != "" && s.CertificateFile != "":
		return nil, errors.New("azure: set a client secret or a certificate, not both")
	case s.ClientSecret != "" || s.CertificateFile != "":
		if s.TenantID == "" || s.ClientID == "" {
			return nil, errors.New("azure: a client secret or certificate needs the tenant id and client id too")
		}
		if s.ClientSecret != "" {
			return azidentity.NewClientSecretCredential(s.TenantID, s.ClientID, s.ClientSecret,
				&azidentity.ClientSecretCredentialOptions{ClientOptions: opts})
		}
		data, err := os.ReadFile(s.CertificateFile)
		if err != nil {
			return nil, fmt.Errorf("azure: client certificate: %w", err)
		}
		var pw []byte
		if s.CertificatePassword != "" {
			pw = []byte(s.CertificatePassword)
		}
		certs, key, err := azidentity.ParseCertificates(data, pw)
		if err != nil {
			return nil, fmt.Errorf("azure: client certificate %s: %w", s.CertificateFile, err)
		}
		return azidentity.NewClientCertificateCredential(s.TenantID, s.ClientID, certs, key,
			&azidentity.ClientCertificateCredentialOptions{ClientOptions: opts})
	}
	return azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{ClientOptions: opts, TenantID: s.TenantID})
}

// Principal is who a credential signs in as, from its token's claims.
type Principal struct {
	ObjectID string // oid: what access policies and role assignments name
	UPN      string // users only
	AppID    string // the client application
	TenantID string
}

// String names the principal for people and for the registry's
// created-by column: the UPN of a user, else the object id.
func (p Principal) String() string {
	if p.UPN != "" {
		return p.UPN
	}
	return p.ObjectID
}

// IsUser reports whether the principal is a user rather than a service
// principal or managed identity (role assignments need to know).
func (p Principal) IsUser() bool { return p.UPN != "" }

// WhoAmI asks the credential for a Resource Manager token and reads who it
// was issued to. The token is only decoded, not verified: it is our own,
// fresh from the identity provider, and no decision trusts it beyond naming
// ourselves.
func (c *Client) WhoAmI(ctx context.Context) (Principal, error) {
	tok, err := c.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{c.managementScope()}})
	if err != nil {
		return Principal{}, fmt.Errorf("azure: unable to sign in: %w", err)
	}
	return principalOf(tok.Token)
}

// principalOf reads the claims of a JWT access token.
func principalOf(token string) (Principal, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return Principal{}, errors.New("azure: the access token is not a JWT; cannot tell who honeyvault signed in as")
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return Principal{}, fmt.Errorf("azure: unreadable access token: %w", err)
	}
	var c struct {
		OID        string `json:"oid"`
		UPN        string `json:"upn"`
		UniqueName string `json:"unique_name"`
		PreferredU string `json:"preferred_username"`
		AppID      string `json:"appid"`
		AZP        string `json:"azp"`
		TID        string `json:"tid"`
		IDType     string `json:"idtyp"`
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return Principal{}, fmt.Errorf("azure: unreadable access token claims: %w", err)
	}
	if c.OID == "" {
		return Principal{}, errors.New("azure: the access token has no object id (oid) claim")
	}
	p := Principal{ObjectID: c.OID, AppID: c.AppID, TenantID: c.TID}
	if p.AppID == "" {
		p.AppID = c.AZP
	}
	if c.IDType != "app" {
		for _, u := range []string{c.UPN, c.UniqueName, c.PreferredU} {
			if strings.Contains(u, "@") {
				p.UPN = u
				break
			}
		}
	}
	return p, nil
}
