package registry

import (
	"fmt"
	"strings"
)

// Provider is the kind of secret store a decoy lives in. Every store is
// named by an id whose form says its provider (see ProviderOf), so that
// the registry, the watchlist and the store's tables hold decoys of every
// provider in the same columns: VaultID is the store's id, VaultName its
// name, Name the object's name in it.
type Provider string

// The providers honeyvault plants into.
const (
	// AzureKeyVault stores are Key Vaults, named by their ARM id
	// (/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{name}).
	// Names are case-insensitive.
	AzureKeyVault Provider = "azure-keyvault"
	// HashiCorpVault stores are the KV v2 mounts of a HashiCorp Vault or
	// OpenBao cluster, named vault://{cluster}/{mount}: the cluster is the
	// operator's name for the server (its audit records do not say which
	// server wrote them), the mount its path without the trailing slash.
	// Decoys are secrets named by their path under the mount. Paths are
	// case-sensitive, as Vault's are.
	HashiCorpVault Provider = "hashicorp-vault"
	// AWSSecretsManager stores are one account's Secrets Manager in one
	// region, named arn:{partition}:secretsmanager:{region}:{account}.
	// Decoys are secrets named by their secret name (not the ARN, whose
	// random suffix the planter learns only after creating it). Names are
	// case-sensitive.
	AWSSecretsManager Provider = "aws-secretsmanager"
)

// Providers lists every Provider in a stable order.
var Providers = []Provider{AzureKeyVault, HashiCorpVault, AWSSecretsManager}

// vaultScheme starts every HashiCorp Vault store id.
const vaultScheme = "vault://"

// ProviderOf returns the provider a store id's form names, "" for an id of
// no provider's form. It looks at the form only: Validate checks the rest.
func ProviderOf(id string) Provider {
	switch {
	case strings.HasPrefix(id, "/"):
		return AzureKeyVault
	case len(id) > len(vaultScheme) && strings.EqualFold(id[:len(vaultScheme)], vaultScheme):
		return HashiCorpVault
	case strings.HasPrefix(id, "arn:"):
		return AWSSecretsManager
	}
	return ""
}

// Label is the provider's name for people: "Azure Key Vault", ...
func (p Provider) Label() string {
	switch p {
	case AzureKeyVault:
		return "Azure Key Vault"
	case HashiCorpVault:
		return "HashiCorp Vault"
	case AWSSecretsManager:
		return "AWS Secrets Manager"
	}
	return string(p)
}

// WatchlistName is the provider's ResourceProvider value in Sentinel's
// HoneyTokens watchlist: Key Vault's as Sentinel spells it, and a name in
// the same style for the others.
func (p Provider) WatchlistName() string {
	switch p {
	case HashiCorpVault:
		return "HashiCorp.Vault"
	case AWSSecretsManager:
		return "AWS.SecretsManager"
	}
	return WatchlistProvider
}

// providerOfWatchlistName is WatchlistName's inverse, case-insensitive.
func providerOfWatchlistName(s string) (Provider, bool) {
	for _, p := range Providers {
		if strings.EqualFold(s, p.WatchlistName()) {
			return p, true
		}
	}
	return "", false
}

// CaseSensitive reports whether the provider tells object names apart by
// letter case (Vault and Secrets Manager do; Key Vault does not).
func (p Provider) CaseSensitive() bool { return p != AzureKeyVault }

// Types lists the object types the provider's stores hold: Key Vault's
// three, only secrets elsewhere.
func (p Provider) Types() []Type {
	if p == AzureKeyVault {
		return Types
	}
	return []Type{Secret}
}

// ValidName reports whether s is a valid object name in the provider's
// stores.
func (p Provider) ValidName(s string) bool {
	switch p {
	case HashiCorpVault:
		return validVaultPath(s, maxVaultPathLen)
	case AWSSecretsManager:
		return validSecretsManagerName(s)
	}
	return ValidObjectName(s)
}

// nameRule says in words what ValidName wants, for errors.
func (p Provider) nameRule() string {
	switch p {
	case HashiCorpVault:
		return fmt.Sprintf("want a KV path of up to %d bytes: segments of letters, digits and _ . @ + = : , - separated by single slashes", maxVaultPathLen)
	case AWSSecretsManager:
		return "want 1-512 letters, digits and / _ + = . @ -"
	}
	return "want 1-127 letters, digits and dashes"
}

// maxVaultPathLen bounds a Vault decoy's path. Vault sets no limit; a
// registry row needs one.
const maxVaultPathLen = 512

// vaultPathByte reports the bytes of a Vault path segment honeyvault
// accepts: what KV paths are made of in practice, and nothing an audit
// record or a URL would escape.
var vaultPathByte = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	}
	for _, c := range "_.@+=:,-" {
		t[c] = true
	}
	return t
}()

// validVaultPath reports whether s is 1..max bytes of segments separated
// by single slashes, none of them "." or "..".
func validVaultPath(s string, max int) bool {
	if len(s) == 0 || len(s) > max {
		return false
	}
	for seg := range strings.SplitSeq(s, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
		for i := 0; i < len(seg); i++ {
			if !vaultPathByte[seg[i]] {
				return false
			}
		}
	}
	return true
}

func validSecretsManagerName(s string) bool {
	if len(s) == 0 || len(s) > 512 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.IndexByte("/_+=.@-", c) >= 0) {
			return false
		}
	}
	return true
}
