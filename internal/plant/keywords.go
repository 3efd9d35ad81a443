package plant

import (
	"errors"
	"fmt"
	"strings"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// The original solution's keyword lists ("Honeytoken key keywords", "Honeytoken
// secret keywords") had no defaults: its setup form asked for them, with
// "key,prod,dev" and "secret,prod,dev" as examples. These defaults are
// honeyvault's own: what real vaults hold and what an intruder looks for.
var (
	defaultSecretKeywords = []string{
		"password", "admin-password", "db-password", "sql-password", "connection-string",
		"sql-connection-string", "storage-connection-string", "servicebus-connection-string",
		"redis-connection-string", "api-key", "client-secret", "access-key", "storage-account-key",
		"sas-token", "service-principal", "credentials", "private-key", "ssh-key", "jwt-signing-key",
		"webhook-secret", "smtp-password", "root-password", "deploy-token",
	}
	defaultKeyKeywords = []string{
		"encryption-key", "signing-key", "data-key", "cmk", "kek", "wrapping-key", "tde-key",
		"disk-encryption-key", "backup-key", "token-signing-key", "jwt-signing",
	}
	defaultCertificateKeywords = []string{
		"tls", "ssl-cert", "https", "client-cert", "api-gateway", "signing-cert", "wildcard",
		"mtls", "sso-signing", "vpn-gateway",
	}
)

// DefaultKeywords returns a copy of the default keyword list for type t.
func DefaultKeywords(t registry.Type) []string {
	switch t {
	case registry.Key:
		return append([]string(nil), defaultKeyKeywords...)
	case registry.Certificate:
		return append([]string(nil), defaultCertificateKeywords...)
	}
	return append([]string(nil), defaultSecretKeywords...)
}

// maxKeywords and maxKeywordLen bound a keyword list; longer lists or
// keywords would only produce names past Key Vault's limits.
const (
	maxKeywords   = 1000
	maxKeywordLen = 64
)

// ParseKeywords reads a comma-separated keyword list ("api-key, ConnectionString")
// as the original's settings took it: spaces around keywords are ignored,
// duplicates (in any case) collapse, and each keyword must pass CheckKeyword.
func ParseKeywords(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("plant: empty keyword list: want comma-separated keywords such as api-key,password")
	}
	var out []string
	seen := map[string]bool{}
	for i, f := range strings.Split(s, ",") {
		kw := strings.TrimSpace(f)
		if kw == "" {
			return nil, fmt.Errorf("plant: keyword %d is empty (two commas in a row?)", i+1)
		}
		if err := CheckKeyword(kw); err != nil {
			return nil, err
		}
		if k := strings.ToLower(kw); !seen[k] {
			seen[k] = true
			out = append(out, kw)
		}
	}
	if len(out) > maxKeywords {
		return nil, fmt.Errorf("plant: %d keywords: at most %d", len(out), maxKeywords)
	}
	return out, nil
}

// CheckKeyword reports why kw cannot be a keyword: it must be 1-64 letters,
// digits and single inner dashes, contain a letter, and contain no giveaway word.
func CheckKeyword(kw string) error {
	if kw == "" || len(kw) > maxKeywordLen {
		return fmt.Errorf("plant: keyword %q: want 1-%d characters", kw, maxKeywordLen)
	}
	letter := false
	for i := 0; i < len(kw); i++ {
		b := kw[i]
		switch {
		case isLower(b) || isUpper(b):
			letter = true
		case isDigit(b):
		case b == '-':
			if i == 0 || i == len(kw)-1 || kw[i-1] == '-' {
				return fmt.Errorf("plant: keyword %q: dashes only between letters or digits", kw)
			}
		default:
			return fmt.Errorf("plant: keyword %q: only letters, digits and dashes can appear in a Key Vault name", kw)
		}
	}
	if !letter {
		return fmt.Errorf("plant: keyword %q: needs a letter", kw)
	}
	if w, ok := Giveaway(kw); ok {
		return fmt.Errorf("plant: keyword %q contains %q, a word that gives a decoy away", kw, w)
	}
	return nil
}

// checkKeywords validates a whole list (nil is fine: the caller uses defaults).
func checkKeywords(kws []string) error {
	if len(kws) > maxKeywords {
		return fmt.Errorf("plant: %d keywords: at most %d", len(kws), maxKeywords)
	}
	for _, kw := range kws {
		if err := CheckKeyword(kw); err != nil {
			return err
		}
	}
	return nil
}
