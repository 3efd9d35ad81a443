// Package registry is the decoy model: which honeytokens exist, in which vault,
// of which type, and what became of them. It also reads and writes the
// Microsoft Sentinel "HoneyTokens" watchlist CSV so teams can migrate from, or
// feed, Sentinel.
//
// Key Vault compares vault ids and object names case-insensitively; so does
// every function here. Decoys keep the spelling they were given for display.
package registry

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Type is the kind of Key Vault object a decoy is.
type Type string

// The three object types a vault holds.
const (
	Secret      Type = "secret"
	Key         Type = "key"
	Certificate Type = "certificate"
)

// Types lists every Type in a stable order.
var Types = []Type{Secret, Key, Certificate}

// ParseType reads a type name case-insensitively ("Secret", "key", ...).
func ParseType(s string) (Type, error) {
	switch t := Type(strings.ToLower(strings.TrimSpace(s))); t {
	case Secret, Key, Certificate:
		return t, nil
	}
	return "", fmt.Errorf("registry: unknown decoy type %q (want secret, key or certificate)", s)
}

// Status is where a decoy is in its life.
type Status string

// Decoy statuses.
const (
	// Active decoys are planted and watched.
	Active Status = "active"
	// Missing decoys are in the registry but were not found in their vault
	// (deleted or changed outside honeyvault).
	Missing Status = "missing"
	// Retired decoys were removed on purpose; the row is kept for history.
	Retired Status = "retired"
)

// ParseStatus reads a status name case-insensitively.
func ParseStatus(s string) (Status, error) {
	switch st := Status(strings.ToLower(strings.TrimSpace(s))); st {
	case Active, Missing, Retired:
		return st, nil
	}
	return "", fmt.Errorf("registry: unknown decoy status %q (want active, missing or retired)", s)
}

// Decoy is one honeytoken in one vault.
type Decoy struct {
	ID        int64     // store-assigned; 0 before the decoy is stored
	VaultID   string    // the vault's ARM id, as first seen
	VaultName string    // the vault's name (last segment of VaultID)
	Name      string    // the object name in the vault
	Type      Type      // secret, key or certificate
	CreatedBy string    // who planted or imported it
	CreatedAt time.Time // when it was planted or imported
	Status    Status    // active, missing or retired
	Memo      string    // free text
}

// Validate reports the first thing wrong with d, naming the field. It fills
// VaultName from VaultID when empty and Status with Active when empty.
// VaultID is a store id of any provider (see Provider); the name and type
// must be valid in that provider's stores.
func (d *Decoy) Validate() error {
	id, err := ParseStoreID(d.VaultID)
	if err != nil {
		return err
	}
	if d.VaultName == "" {
		d.VaultName = id.Name
	} else if !strings.EqualFold(d.VaultName, id.Name) {
		return fmt.Errorf("registry: vault name %q does not match vault id %q", d.VaultName, d.VaultID)
	}
	if !id.Provider.ValidName(d.Name) {
		return fmt.Errorf("registry: invalid object name %q: %s", d.Name, id.Provider.nameRule())
	}
	if IsHeartbeatName(d.Name) {
		return fmt.Errorf("registry: object name %q: names starting %q are reserved for honeyvault's heartbeat", d.Name, HeartbeatPrefix)
	}
	if _, err := ParseType(string(d.Type)); err != nil {
		return err
	}
	if id.Provider != AzureKeyVault && d.Type != Secret {
		return fmt.Errorf("registry: a %s decoy is a secret, not a %s", id.Provider.Label(), d.Type)
	}
	if d.Status == "" {
		d.Status = Active
	}
	if _, err := ParseStatus(string(d.Status)); err != nil {
		return err
	}
	return nil
}

// Provider returns the provider of the decoy's store.
func (d Decoy) Provider() Provider { return ProviderOf(d.VaultID) }

// Key is the decoy's identity as its store sees it: the vault key, type
// and name key (see VaultKey and NameKey). Two decoys with the same Key are
// the same decoy.
func (d Decoy) Key() string {
	return KeyOf(d.VaultID, d.Type, d.Name)
}

// KeyOf builds the identity key of an object without a Decoy at hand.
func KeyOf(vaultID string, t Type, name string) string {
	return VaultKey(vaultID) + "|" + string(t) + "|" + NameKey(vaultID, name)
}

// VaultKey is what every spelling of one vault's id has in common: the id
// lower-cased, without a trailing slash — except a Vault store's mount,
// which keeps its case (Vault tells mounts apart by case). Decoys,
// findings and allow rules are stored and looked up by it.
func VaultKey(id string) string {
	id = strings.TrimRight(id, "/")
	if ProviderOf(id) == HashiCorpVault {
		cluster, mount, _ := strings.Cut(id[len(vaultScheme):], "/")
		return vaultScheme + strings.ToLower(cluster) + "/" + mount
	}
	return strings.ToLower(id)
}

// NameKey is what every spelling of one object name in the store vaultID
// names has in common: the name lower-cased in Key Vault, the name itself
// in case-sensitive stores.
func NameKey(vaultID, name string) string {
	if ProviderOf(vaultID).CaseSensitive() {
		return name
	}
	return strings.ToLower(name)
}

// ValidObjectName reports whether s is a valid secret, key or certificate
// name: 1-127 letters, digits and dashes.
func ValidObjectName(s string) bool { return lettersDigitsDashes(s, 1, 127) }

// ValidVaultName reports whether s is a valid vault name (a 3-24 character DNS label).
func ValidVaultName(s string) bool { return lettersDigitsDashes(s, 3, 24) }

// lettersDigitsDashes reports whether s is least to most ASCII letters,
// digits and dashes. A loop, not a regular expression: a watchlist import
// checks two names a row, a million rows, and the expressions were a
// third of its reading.
func lettersDigitsDashes(s string, least, most int) bool {
	if len(s) < least || len(s) > most {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// ErrBadVaultID is returned for a string that is not a store id.
var ErrBadVaultID = errors.New("registry: not a Key Vault resource id")

// VaultNameFromID returns the store name of a store id of any provider
// (see ParseStoreID): for a Key Vault ARM id of the form
// /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{name},
// in any letter case, the vault's name.
func VaultNameFromID(id string) (string, error) {
	s, err := ParseStoreID(id)
	return s.Name, err
}

// armVaultName is VaultNameFromID for Key Vault ARM ids.
func armVaultName(id string) (string, error) {
	p := strings.Split(strings.Trim(id, "/"), "/")
	if len(p) != 8 || !strings.EqualFold(p[0], "subscriptions") || !strings.EqualFold(p[2], "resourceGroups") ||
		!strings.EqualFold(p[4], "providers") || !strings.EqualFold(p[5], "Microsoft.KeyVault") ||
		!strings.EqualFold(p[6], "vaults") || p[1] == "" || p[3] == "" || !ValidVaultName(p[7]) ||
		!strings.HasPrefix(id, "/") {
		return "", fmt.Errorf("%w: %q (want /subscriptions/{id}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{name})", ErrBadVaultID, id)
	}
	return p[7], nil
}

// SubscriptionFromID returns the group of a store id (see StoreID.Group):
// an ARM id's subscription, a Vault store's cluster, a Secrets Manager
// store's account; "" for anything else.
func SubscriptionFromID(id string) string {
	switch ProviderOf(id) {
	case HashiCorpVault, AWSSecretsManager:
		s, _ := ParseStoreID(id)
		return s.Group
	}
	// Cut, not Split: an import calls this for every row.
	first, rest, ok := strings.Cut(strings.Trim(id, "/"), "/")
	if !ok || !strings.EqualFold(first, "subscriptions") {
		return ""
	}
	sub, _, _ := strings.Cut(rest, "/")
	return sub
}

// VaultID builds a vault's ARM id from its parts.
func VaultID(subscription, resourceGroup, vault string) string {
	return "/subscriptions/" + subscription + "/resourceGroups/" + resourceGroup + "/providers/Microsoft.KeyVault/vaults/" + vault
}
