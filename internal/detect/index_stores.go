package detect

import (
	"strings"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// storeTable indexes the decoys of the providers other than Key Vault
// (HashiCorp Vault, AWS Secrets Manager: see registry.Provider). Their
// names are case-sensitive and up to 512 bytes, and an estate holds few of
// their stores next to thousands of Key Vaults, so a plain map keyed by
// the registry's own identity serves them; the compact tables above stay
// shaped for Key Vault. Not safe for concurrent use: the Index's lock
// guards it.
type storeTable struct {
	decoys map[string]registry.Decoy // registry.KeyOf → identity fields
	stores map[string]*storeEntry    // registry.VaultKey → the store
}

// storeEntry is one store holding decoys.
type storeEntry struct {
	id, name string // as the first decoy spelled them
	decoys   int
}

// add indexes d, or updates its id and status; it reports whether the
// table changed.
func (t *storeTable) add(d registry.Decoy) bool {
	if t.decoys == nil {
		t.decoys, t.stores = make(map[string]registry.Decoy), make(map[string]*storeEntry)
	}
	key := d.Key()
	if d.VaultName == "" {
		d.VaultName, _ = registry.VaultNameFromID(d.VaultID) // checked by Add
	}
	d = registry.Decoy{ID: d.ID, VaultID: d.VaultID, VaultName: d.VaultName, Name: d.Name, Type: d.Type, Status: d.Status}
	vk := registry.VaultKey(d.VaultID)
	s := t.stores[vk]
	if s == nil {
		s = &storeEntry{id: strings.TrimRight(d.VaultID, "/"), name: d.VaultName}
		t.stores[vk] = s
	}
	if old, ok := t.decoys[key]; ok {
		changed := old.Status != d.Status
		old.ID, old.Status = d.ID, d.Status
		t.decoys[key] = old
		return changed
	}
	d.VaultID, d.VaultName = s.id, s.name
	t.decoys[key] = d
	s.decoys++
	return true
}

func (t *storeTable) remove(d registry.Decoy) bool {
	key := d.Key()
	if _, ok := t.decoys[key]; !ok {
		return false
	}
	delete(t.decoys, key)
	t.stores[registry.VaultKey(d.VaultID)].decoys--
	return true
}

// lookup returns the decoy an event of a case-sensitive store names:
// same store (VaultID, required: these records always say which store)
// and the same name exactly. An AWS event that named its secret by ARN
// (ObjectURI holds the ARN) carries the ARN's last part, which for a full
// ARN is the name followed by a dash and Secrets Manager's six random
// characters: the name without them matches too. (A partial ARN of a real
// secret whose own name ends in a dash and six letters would match a
// decoy named like its prefix: Secrets Manager has the same ambiguity and
// tells users not to name secrets so; for a tripwire a false alert is the
// safe side.)
func (t *storeTable) lookup(ev *auditlog.Event) []registry.Decoy {
	if ev.VaultID == "" || len(t.decoys) == 0 || ev.ObjectType != registry.Secret {
		return nil
	}
	if d, ok := t.decoys[registry.KeyOf(ev.VaultID, registry.Secret, ev.ObjectName)]; ok {
		return []registry.Decoy{d}
	}
	if ev.ObjectVersion == "" && registry.ProviderOf(ev.VaultID) == registry.AWSSecretsManager && strings.HasPrefix(ev.ObjectURI, "arn:") {
		if name, ok := strings.CutSuffix(ev.ObjectName, arnSuffix(ev.ObjectName)); ok && name != ev.ObjectName {
			if d, ok := t.decoys[registry.KeyOf(ev.VaultID, registry.Secret, name)]; ok {
				return []registry.Decoy{d}
			}
		}
	}
	return nil
}

// arnSuffix returns the "-XXXXXX" a Secrets Manager ARN adds to a secret's
// name, "" when name does not end with one.
func arnSuffix(name string) string {
	if len(name) < 8 || name[len(name)-7] != '-' {
		return ""
	}
	s := name[len(name)-7:]
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return ""
		}
	}
	return s
}

// store reports whether the store id names holds decoys, with its id and
// name as the registry spells them.
func (t *storeTable) store(id string) (string, string, bool) {
	s := t.stores[registry.VaultKey(id)]
	if s == nil || s.decoys == 0 {
		return "", "", false
	}
	return s.id, s.name, true
}
