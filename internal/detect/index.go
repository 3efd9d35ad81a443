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
// Memory: about 90 bytes per decoy with three decoys a vault (see
// TestIndexMemory and bench/BENCHMARKS.md), so a million decoys take some
// 90 MB, in a handful of large slices rather than millions of small
// objects, which the garbage collector would otherwise scan on every
// cycle: object names lie back to back in one byte arena, each vault is
// interned once (its subscription and resource group interned again),
// and the hash tables are slices of int32 chained through the entries.
// Only identity fields are kept (ID, VaultID, VaultName, Name, Type,
// Status): the rest of a decoy stays in the store. Alerts carry the vault
// id rebuilt in registry.VaultID's spelling and the vault's name as its
// first decoy spelled it, equal to the registry's up to letter case:
// compare ids case-insensitively (or use Decoy.Key, or the decoy ID).
//
// The zero value is not usable; call NewIndex.
type Index struct {
	mu      sync.RWMutex
	buckets []int32 // hash(vault name, object name) & mask → first entry of its chain, -1 for none
	entries []entry
	names   arena // object names
	garbage int   // bytes of names no entry uses any more
	vaults  vaultTable
	stores  storeTable // decoys of the other providers
	// changes counts the adds, status changes and removals that changed
	// the index (see Changes).
	changes uint64
}

// entry is one decoy, compact: 24 bytes and its name in the arena.
type entry struct {
	id      int64
	name    uint32 // offset of the object name in Index.names
	vault   uint32 // index in Index.vaults
	next    int32  // next entry in the same bucket, -1 at the end
	nameLen uint8
	typ     uint8
	status  uint8
}

var typeCodes = map[registry.Type]uint8{registry.Secret: 1, registry.Key: 2, registry.Certificate: 3}
var codeTypes = [...]registry.Type{"", registry.Secret, registry.Key, registry.Certificate}

var statusCodes = map[registry.Status]uint8{registry.Active: 0, registry.Missing: 1, registry.Retired: 2}
var codeStatuses = [...]registry.Status{registry.Active, registry.Missing, registry.Retired}

// NewIndex returns an index of decoys (see Add).
func NewIndex(decoys []registry.Decoy) (*Index, error) {
	ix := &Index{}
	ix.rehashLocked(max(len(decoys), 1024))
	if err := ix.Add(decoys...); err != nil {
		return nil, err
	}
	return ix, nil
}

// Add indexes decoys. Each must be valid (as registry.Decoy.Validate says,
// except that VaultName may be empty or differ in case); if one
// is not, Add returns an error naming it and changes nothing. A decoy
// already indexed (same vault, type and name in any case) is updated.
// Retired decoys are not watched — their names may be reused legitimately —
// and adding one removes it.
func (ix *Index) Add(decoys ...registry.Decoy) error {
	for i, d := range decoys {
		// Decoys come vault by vault: a vault id and name spelled exactly
		// as the previous decoy's were checked with it.
		sameVault := i > 0 && d.VaultID == decoys[i-1].VaultID && d.VaultName == decoys[i-1].VaultName
		if err := check(d, sameVault); err != nil {
			return fmt.Errorf("detect: decoy %d (%s %q): %w", i+1, d.Type, d.Name, err)
		}
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for _, d := range decoys {
		d.Type, d.Status = normType(d.Type), normStatus(d.Status)
		switch {
		case d.Status == registry.Retired:
			ix.removeLocked(d)
		case registry.ProviderOf(d.VaultID) != registry.AzureKeyVault:
			if ix.stores.add(d) {
				ix.changes++
			}
		default:
			ix.addLocked(d)
		}
	}
	return nil
}

func (ix *Index) addLocked(d registry.Decoy) {
	v, vh := ix.vaults.internID(d.VaultID)
	h := foldInto(vh, d.Name) // hashKey(vault name, d.Name)
	if i := ix.find(h, v, d.Type, d.Name); i >= 0 {
		e := &ix.entries[i]
		if e.status != statusCodes[d.Status] {
			ix.changes++
		}
		ix.vaults.list[v].active += isActive(statusCodes[d.Status]) - isActive(e.status)
		e.id, e.status = d.ID, statusCodes[d.Status]
		return
	}
	ix.changes++
	if len(ix.entries) >= len(ix.buckets) {
		ix.rehashLocked(2 * len(ix.buckets))
	}
	b := h & uint64(len(ix.buckets)-1)
	ix.entries = append(ix.entries, entry{
		id: d.ID, name: ix.names.add(d.Name), nameLen: uint8(len(d.Name)), vault: v, next: ix.buckets[b],
		typ: typeCodes[d.Type], status: statusCodes[d.Status],
	})
	ix.buckets[b] = int32(len(ix.entries) - 1)
	ix.vaults.list[v].decoys++
	ix.vaults.list[v].active += isActive(statusCodes[d.Status])
}

// isActive is 1 for an active decoy's status code, 0 for any other: what
// a vault's count of active decoys changes by.
func isActive(status uint8) int32 {
	if status == statusCodes[registry.Active] {
		return 1
	}
	return 0
}

// find returns the entry index of exactly this decoy (vault v), or -1.
func (ix *Index) find(h uint64, v uint32, t registry.Type, name string) int32 {
	for i := ix.buckets[h&uint64(len(ix.buckets)-1)]; i >= 0; i = ix.entries[i].next {
		e := &ix.entries[i]
		if e.vault == v && codeTypes[e.typ] == t && auditlog.EqualFoldASCII(ix.nameOf(e), name) {
			return i
		}
	}
	return -1
}

// nameOf returns e's object name, in the arena (do not keep it).
func (ix *Index) nameOf(e *entry) []byte { return ix.names.get(e.name, e.nameLen) }

// rehashLocked sizes the buckets for n entries (a power of two at least
// n) and chains every entry into them again.
func (ix *Index) rehashLocked(n int) {
	size := 1024
	for size < n {
		size *= 2
	}
	ix.buckets = make([]int32, size)
	for i := range ix.buckets {
		ix.buckets[i] = -1
	}
	mask := uint64(size - 1)
	for i := range ix.entries {
		e := &ix.entries[i]
		b := ix.hashEntry(e) & mask
		e.next, ix.buckets[b] = ix.buckets[b], int32(i)
	}
}

func (ix *Index) hashEntry(e *entry) uint64 {
	return foldInto(fnvAdd(foldInto(fnvOffset, ix.vaults.name(e.vault)), '|'), ix.nameOf(e))
}

// vaultID is an ARM vault id in parts.
type vaultID struct{ sub, group, name string }

// check is registry.Decoy.Validate without its regular expressions (a
// million decoys are checked on every start). With vaultChecked the vault
// id and name are known good (an earlier decoy had them).
func check(d registry.Decoy, vaultChecked bool) error {
	if registry.ProviderOf(d.VaultID) != registry.AzureKeyVault {
		return d.Validate() // few, and not worth a byte loop
	}
	if !vaultChecked {
		id := parseVaultID(d.VaultID)
		if id.sub == "" || id.group == "" || !validVaultName(id.name) {
			return fmt.Errorf("%w: %q", registry.ErrBadVaultID, d.VaultID)
		}
		if d.VaultName != "" && !strings.EqualFold(d.VaultName, id.name) { // as the registry compares
			return fmt.Errorf("vault name %q does not match vault id %q", d.VaultName, d.VaultID)
		}
	}
	if len(d.Name) == 0 || len(d.Name) > 127 {
		return fmt.Errorf("invalid object name %q: want 1-127 letters, digits and dashes", d.Name)
	}
	for i := 0; i < len(d.Name); i++ {
		if nameByte[d.Name[i]] == 0 {
			return fmt.Errorf("invalid object name %q: want 1-127 letters, digits and dashes", d.Name)
		}
	}
	if _, ok := typeCodes[normType(d.Type)]; !ok {
		return fmt.Errorf("unknown decoy type %q", d.Type)
	}
	if _, ok := statusCodes[normStatus(d.Status)]; !ok {
		return fmt.Errorf("unknown decoy status %q", d.Status)
	}
	return nil
}

// normType and normStatus spell types and statuses as the registry's
// constants (ParseType and ParseStatus accept any case).
func normType(t registry.Type) registry.Type {
	if _, ok := typeCodes[t]; ok {
		return t
	}
	return registry.Type(strings.ToLower(strings.TrimSpace(string(t))))
}

func normStatus(s registry.Status) registry.Status {
	if s == "" {
		return registry.Active
	}
	if _, ok := statusCodes[s]; ok {
		return s
	}
	return registry.Status(strings.ToLower(strings.TrimSpace(string(s))))
}

func validVaultName(s string) bool {
	if len(s) < 3 || len(s) > 24 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if nameByte[s[i]] == 0 {
			return false
		}
	}
	return true
}

// parseVaultID splits /subscriptions/{sub}/resourceGroups/{rg}/providers/
// Microsoft.KeyVault/vaults/{name} without allocating; ok is false for
// anything else.
func parseVaultID(s string) vaultID {
	var parts [8]string
	if !strings.HasPrefix(s, "/") {
		return vaultID{}
	}
	s = strings.Trim(s, "/")
	for i := range parts {
		j := strings.IndexByte(s, '/')
		if j < 0 {
			if i != 7 {
				return vaultID{}
			}
			parts[i] = s
			break
		}
		if i == 7 {
			return vaultID{}
		}
		parts[i], s = s[:j], s[j+1:]
	}
	if !auditlog.EqualFoldASCII(parts[0], "subscriptions") || !auditlog.EqualFoldASCII(parts[2], "resourcegroups") ||
		!auditlog.EqualFoldASCII(parts[4], "providers") || !auditlog.EqualFoldASCII(parts[5], "microsoft.keyvault") ||
		!auditlog.EqualFoldASCII(parts[6], "vaults") {
		return vaultID{}
	}
	return vaultID{sub: parts[1], group: parts[3], name: parts[7]}
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
	d.Type = normType(d.Type)
	if registry.ProviderOf(d.VaultID) != registry.AzureKeyVault {
		if !ix.stores.remove(d) {
			return false
		}
		ix.changes++
		return true
	}
	id := parseVaultID(d.VaultID)
	v, ok := ix.vaults.find(id)
	if !ok {
		return false
	}
	h := hashKey(id.name, d.Name)
	i := ix.find(h, v, d.Type, d.Name)
	if i < 0 {
		return false
	}
	ix.unlink(h, i)
	ix.changes++
	ix.vaults.list[v].decoys--
	ix.vaults.list[v].active -= isActive(ix.entries[i].status)
	ix.garbage += int(ix.entries[i].nameLen)
	// Move the last entry into the hole so that entries stays dense.
	last := int32(len(ix.entries) - 1)
	if i != last {
		moved := ix.entries[last]
		mh := ix.hashEntry(&moved)
		ix.unlink(mh, last)
		b := mh & uint64(len(ix.buckets)-1)
		moved.next = ix.buckets[b]
		ix.entries[i] = moved
		ix.buckets[b] = i
	}
	ix.entries[last] = entry{}
	ix.entries = ix.entries[:last]
	if ix.garbage > 1<<20 && ix.garbage > ix.names.len()/2 {
		ix.compactNamesLocked()
	}
	return true
}

// unlink takes entry i out of the chain of hash h.
func (ix *Index) unlink(h uint64, i int32) {
	b := h & uint64(len(ix.buckets)-1)
	if ix.buckets[b] == i {
		ix.buckets[b] = ix.entries[i].next
		return
	}
	for j := ix.buckets[b]; j >= 0; j = ix.entries[j].next {
		if ix.entries[j].next == i {
			ix.entries[j].next = ix.entries[i].next
			return
		}
	}
}

// compactNamesLocked copies the names still in use into a new arena, once
// removals have left more of the old one unused than used.
func (ix *Index) compactNamesLocked() {
	var fresh arena
	for i := range ix.entries {
		e := &ix.entries[i]
		e.name = fresh.add(string(ix.nameOf(e)))
	}
	ix.names, ix.garbage = fresh, 0
}

// Changes counts the decoys added, removed or whose status changed since
// the index was made: a number that moves whenever what the index holds
// does, and not when a sync reads a decoy again unchanged. What counts the
// registry can keep its count until it moves.
func (ix *Index) Changes() uint64 {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.changes
}

// Len returns how many decoys are indexed.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.entries) + len(ix.stores.decoys)
}

// Lookup returns the decoys an audit event touched: same vault (see Index),
// same object name in any case, and a compatible type — the decoy's own, or
// key or secret for a certificate decoy (a certificate's private key and
// PFX are reached as key and secret of the same name). Canary events
// (auditlog.KindCanary: a decoy's value used outside Key Vault) name their
// decoy the same way and match alike. It returns nil for activity events
// and for events that name no object. Decoys of the other providers
// (HashiCorp Vault, AWS Secrets Manager) match by store id and exact name
// (see storeTable.lookup).
func (ix *Index) Lookup(ev *auditlog.Event) []registry.Decoy {
	if ev.Kind != auditlog.KindAudit && ev.Kind != auditlog.KindCanary || ev.ObjectType == "" || ev.ObjectName == "" || ev.VaultName == "" {
		return nil
	}
	if p := registry.ProviderOf(ev.VaultID); p != registry.AzureKeyVault && p != "" {
		ix.mu.RLock()
		defer ix.mu.RUnlock()
		return ix.stores.lookup(ev)
	}
	h := hashKey(ev.VaultName, ev.ObjectName)
	var want vaultID
	if ev.VaultID != "" {
		if want = parseVaultID(ev.VaultID); want.name == "" {
			return nil
		}
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	var out []registry.Decoy
	for i := ix.buckets[h&uint64(len(ix.buckets)-1)]; i >= 0; i = ix.entries[i].next {
		e := &ix.entries[i]
		t := codeTypes[e.typ]
		vaultName := ix.vaults.name(e.vault)
		if !auditlog.EqualFoldASCII(vaultName, ev.VaultName) || !auditlog.EqualFoldASCII(ix.nameOf(e), ev.ObjectName) || !compatible(t, ev.ObjectType) {
			continue
		}
		if ev.VaultID != "" && !ix.vaults.is(e.vault, want) {
			continue
		}
		sub, group := ix.vaults.parts(e.vault)
		out = append(out, registry.Decoy{
			ID: e.id, VaultID: registry.VaultID(sub, group, string(vaultName)),
			VaultName: string(vaultName), Name: string(ix.nameOf(e)), Type: t, Status: codeStatuses[e.status],
		})
	}
	return out
}

// Vault reports whether the vault vaultID names (an ARM id in any case,
// or a sub-resource's id) holds decoys, and returns the id in
// registry.VaultID's spelling and the vault's name.
func (ix *Index) Vault(vaultID string) (id, name string, ok bool) {
	if p := registry.ProviderOf(vaultID); p != registry.AzureKeyVault && p != "" {
		ix.mu.RLock()
		defer ix.mu.RUnlock()
		return ix.stores.store(vaultID)
	}
	v := parseVaultID(strings.TrimRight(auditlog.VaultIDOf(vaultID), "/"))
	if v.name == "" {
		return "", "", false
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	i, found := ix.vaults.find(v)
	if !found || ix.vaults.list[i].decoys == 0 {
		return "", "", false
	}
	// The registry's spelling of the subscription and group, as decoy
	// alerts carry it.
	sub, group := ix.vaults.parts(i)
	return registry.VaultID(sub, group, strings.ToLower(v.name)), strings.ToLower(v.name), true
}

// Names calls fn with the name of every indexed decoy (repeats included),
// under the read lock: fn must not call back into the index.
func (ix *Index) Names(fn func(name string)) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	for i := range ix.entries {
		fn(string(ix.nameOf(&ix.entries[i])))
	}
	for _, d := range ix.stores.decoys {
		fn(d.Name)
	}
}

// compatible reports whether an access to an object of type got can touch
// a decoy of type decoy.
func compatible(decoy, got registry.Type) bool {
	return decoy == got || decoy == registry.Certificate && (got == registry.Key || got == registry.Secret)
}

// hashKey hashes a vault name and an object name, ASCII case-folded (Key
// Vault names are ASCII; folding only ASCII keeps "\u212a" (Kelvin) from
// matching "k").
func hashKey(vault, name string) uint64 {
	return foldInto(fnvAdd(foldInto(fnvOffset, vault), '|'), name)
}

func foldInto[T ~string | ~[]byte](h uint64, s T) uint64 {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		h = fnvAdd(h, c)
	}
	return h
}
