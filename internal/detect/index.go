package detect

import (
	"fmt"
	"strings"
	"sync"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// Index holds the decoys to watch, keyed for exact lookup of an event's
// vault and object. Decoys can be added and removed while other goroutines
// look events up: lookups share a read lock, changes take the write lock
// (copying a million-decoy index on every planted decoy would not do).
//
// Vault identity: vault names are globally unique DNS labels, so the index
// is keyed by vault name and object name. When an event carries its vault's
// ARM id (every diagnostic record and Log Analytics row does) the decoy's
// ARM id must be equal too, case-insensitively — a recreated vault of the
// same name in another subscription or resource group is another vault.
// When an event knows only a host (a record stripped of its resourceId),
// the vault name decides.
//
// Memory: about 100 bytes per decoy plus the vault ids (see
// TestIndexMemory), so a million decoys fit well within 256 MB. Only
// identity fields are kept (ID, VaultID, VaultName, Name, Type, Status):
// the rest of a decoy stays in the store.
//
// The zero value is not usable; call NewIndex.
type Index struct {
	mu      sync.RWMutex
	heads   map[uint64]int32 // hash(vault name, object name) → first entry of its chain
	entries []entry
	vaults  []vault
	vaultOf map[string]int32 // lower-cased ARM id → vaults index
	free    []int32          // vaults slots without decoys
}

type entry struct {
	name   string
	id     int64
	vault  int32
	next   int32 // next entry with the same hash, -1 at the end
	typ    uint8
	status uint8
}

type vault struct {
	id    string // ARM id as first seen
	lower string // lower-cased id: the key in vaultOf
	name  string // lower-cased vault name, a suffix of lower
	refs  int32  // entries in this vault
}

var typeCodes = map[registry.Type]uint8{registry.Secret: 1, registry.Key: 2, registry.Certificate: 3}
var codeTypes = [...]registry.Type{"", registry.Secret, registry.Key, registry.Certificate}

var statusCodes = map[registry.Status]uint8{registry.Active: 0, registry.Missing: 1, registry.Retired: 2}
var codeStatuses = [...]registry.Status{registry.Active, registry.Missing, registry.Retired}

// NewIndex returns an index of decoys (see Add).
func NewIndex(decoys []registry.Decoy) (*Index, error) {
	ix := &Index{heads: make(map[uint64]int32, len(decoys)), vaultOf: make(map[string]int32)}
	if err := ix.Add(decoys...); err != nil {
		return nil, err
	}
	return ix, nil
}

// Add indexes decoys. Each must be valid (registry.Decoy.Validate); if one
// is not, Add returns an error naming it and changes nothing. A decoy
// already indexed (same vault, type and name in any case) is updated.
// Retired decoys are not watched — their names may be reused legitimately —
// and adding one removes it.
func (ix *Index) Add(decoys ...registry.Decoy) error {
	valid := make([]registry.Decoy, len(decoys))
	for i, d := range decoys {
		if err := d.Validate(); err != nil {
			return fmt.Errorf("detect: decoy %d (%s %q): %w", i+1, d.Type, d.Name, err)
		}
		valid[i] = d
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for _, d := range valid {
		if d.Status == registry.Retired {
			ix.removeLocked(d)
			continue
		}
		ix.addLocked(d)
	}
	return nil
}

func (ix *Index) addLocked(d registry.Decoy) {
	vname := strings.ToLower(d.VaultName)
	h := hashKey(vname, d.Name)
	if i := ix.find(h, d.VaultID, d.Type, d.Name); i >= 0 {
		e := &ix.entries[i]
		e.id, e.status = d.ID, statusCodes[d.Status]
		return
	}
	v := ix.vaultFor(d.VaultID)
	ix.vaults[v].refs++
	head, ok := ix.heads[h]
	if !ok {
		head = -1
	}
	ix.entries = append(ix.entries, entry{
		name: d.Name, id: d.ID, vault: v, next: head,
		typ: typeCodes[d.Type], status: statusCodes[d.Status],
	})
	ix.heads[h] = int32(len(ix.entries) - 1)
}

// find returns the entry index of exactly this decoy, or -1.
func (ix *Index) find(h uint64, vaultID string, t registry.Type, name string) int32 {
	head, ok := ix.heads[h]
	if !ok {
		return -1
	}
	for i := head; i >= 0; i = ix.entries[i].next {
		e := &ix.entries[i]
		if codeTypes[e.typ] == t && equalFoldASCII(e.name, name) && sameVaultID(ix.vaults[e.vault].id, vaultID) {
			return i
		}
	}
	return -1
}

func (ix *Index) vaultFor(id string) int32 {
	key := strings.ToLower(strings.TrimRight(id, "/"))
	if v, ok := ix.vaultOf[key]; ok {
		return v
	}
	// The name is the id's last segment: share its bytes.
	rec := vault{id: id, name: key[strings.LastIndexByte(key, '/')+1:], lower: key}
	var v int32
	if n := len(ix.free); n > 0 {
		v, ix.free = ix.free[n-1], ix.free[:n-1]
		ix.vaults[v] = rec
	} else {
		ix.vaults = append(ix.vaults, rec)
		v = int32(len(ix.vaults) - 1)
	}
	ix.vaultOf[key] = v
	return v
}

// Remove stops watching decoys (matched by vault, type and name in any
// case) and returns how many were indexed.
func (ix *Index) Remove(decoys ...registry.Decoy) int {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	n := 0
	for _, d := range decoys {
		if ix.removeLocked(d) {
			n++
		}
	}
	return n
}

func (ix *Index) removeLocked(d registry.Decoy) bool {
	vname := d.VaultName
	if vname == "" {
		vname, _ = registry.VaultNameFromID(d.VaultID)
	}
	h := hashKey(strings.ToLower(vname), d.Name)
	i := ix.find(h, d.VaultID, d.Type, d.Name)
	if i < 0 {
		return false
	}
	ix.unlink(h, i)
	v := ix.entries[i].vault
	if ix.vaults[v].refs--; ix.vaults[v].refs == 0 {
		delete(ix.vaultOf, ix.vaults[v].lower)
		ix.vaults[v] = vault{}
		ix.free = append(ix.free, v)
	}
	// Move the last entry into the hole so that entries stays dense.
	last := int32(len(ix.entries) - 1)
	if i != last {
		moved := ix.entries[last]
		mh := hashKey(ix.vaults[moved.vault].name, moved.name)
		ix.unlink(mh, last)
		moved.next = -1
		if head, ok := ix.heads[mh]; ok {
			moved.next = head
		}
		ix.entries[i] = moved
		ix.heads[mh] = i
	}
	ix.entries[last] = entry{}
	ix.entries = ix.entries[:last]
	return true
}

// unlink takes entry i out of the chain of hash h.
func (ix *Index) unlink(h uint64, i int32) {
	head := ix.heads[h]
	if head == i {
		if next := ix.entries[i].next; next >= 0 {
			ix.heads[h] = next
		} else {
			delete(ix.heads, h)
		}
		return
	}
	for j := head; j >= 0; j = ix.entries[j].next {
		if ix.entries[j].next == i {
			ix.entries[j].next = ix.entries[i].next
			return
		}
	}
}

// Len returns how many decoys are indexed.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.entries)
}

// Lookup returns the decoys an audit event touched: same vault (see Index),
// same object name in any case, and a compatible type — the decoy's own, or
// key or secret for a certificate decoy (a certificate's private key and
// PFX are reached as key and secret of the same name). It returns nil for
// activity events and for events that name no object.
func (ix *Index) Lookup(ev *auditlog.Event) []registry.Decoy {
	if ev.Kind != auditlog.KindAudit || ev.ObjectType == "" || ev.ObjectName == "" || ev.VaultName == "" {
		return nil
	}
	h := hashKey(ev.VaultName, ev.ObjectName)
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	head, ok := ix.heads[h]
	if !ok {
		return nil
	}
	var out []registry.Decoy
	for i := head; i >= 0; i = ix.entries[i].next {
		e := &ix.entries[i]
		v := &ix.vaults[e.vault]
		t := codeTypes[e.typ]
		if v.name != ev.VaultName || !equalFoldASCII(e.name, ev.ObjectName) || !compatible(t, ev.ObjectType) {
			continue
		}
		if ev.VaultID != "" && !sameVaultID(v.id, ev.VaultID) {
			continue
		}
		out = append(out, registry.Decoy{
			ID: e.id, VaultID: v.id, VaultName: vaultDisplayName(v.id), Name: e.name, Type: t,
			Status: codeStatuses[e.status],
		})
	}
	return out
}

// Names calls fn with the name of every indexed decoy (repeats included),
// under the read lock: fn must not call back into the index.
func (ix *Index) Names(fn func(name string)) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	for i := range ix.entries {
		fn(ix.entries[i].name)
	}
}

// compatible reports whether an access to an object of type got can touch
// a decoy of type decoy.
func compatible(decoy, got registry.Type) bool {
	return decoy == got || decoy == registry.Certificate && (got == registry.Key || got == registry.Secret)
}

func sameVaultID(a, b string) bool {
	return equalFoldASCII(strings.TrimRight(a, "/"), strings.TrimRight(b, "/"))
}

// equalFoldASCII compares case-insensitively in ASCII only: Key Vault names
// and ARM ids are ASCII, and Unicode folding would let "\u212a" (Kelvin
// sign) equal "k".
func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

func vaultDisplayName(id string) string {
	name, _ := registry.VaultNameFromID(id)
	return name
}

// hashKey is FNV-1a over the lower-cased vault name, a separator and the
// ASCII-lower-cased object name (Key Vault names are ASCII; folding only
// ASCII keeps "K" (Kelvin) from matching "k").
func hashKey(vaultLower, name string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(vaultLower); i++ {
		h = (h ^ uint64(vaultLower[i])) * 1099511628211
	}
	h = (h ^ '|') * 1099511628211
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		h = (h ^ uint64(c)) * 1099511628211
	}
	return h
}
