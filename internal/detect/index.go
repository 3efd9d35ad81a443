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
// Memory: about 130 bytes per decoy whatever the vaults (see
// TestIndexMemory), so a million decoys take some 130 MB. Only identity
// fields are kept (ID, VaultID, VaultName, Name, Type, Status): the rest of
// a decoy stays in the store. Alerts carry the vault id rebuilt in
// registry.VaultID's spelling, equal to the registry's up to letter case:
// compare ids case-insensitively (or use Decoy.Key, or the decoy ID).
//
// The zero value is not usable; call NewIndex.
type Index struct {
	mu      sync.RWMutex
	heads   map[uint64]int32 // hash(vault name, object name) → first entry of its chain
	entries []entry
	subs    names // subscription ids
	groups  names // resource group names
	// vaults counts the decoys of each vault (lower-cased "sub/group/name"),
	// so that tamper rules can ask whether a vault holds any.
	vaults map[string]int
}

// entry is one decoy, compact: its vault's ARM id is kept as interned
// subscription and resource group plus the vault name, not as a string of
// a hundred bytes per decoy.
type entry struct {
	name   string // object name
	vault  string // vault name
	id     int64
	sub    uint32
	group  uint32
	next   int32 // next entry with the same hash, -1 at the end
	typ    uint8
	status uint8
}

// names interns strings case-insensitively, keeping the first spelling.
// Entries are never dropped: subscriptions and resource groups are few.
type names struct {
	list  []string
	index map[string]uint32 // lower-cased → list index
	last  uint32            // the last one interned
}

func (n *names) intern(s string) uint32 {
	if len(n.list) > 0 && n.list[n.last] == s { // decoys come vault by vault
		return n.last
	}
	key := strings.ToLower(s)
	if i, ok := n.index[key]; ok {
		n.last = i
		return i
	}
	if n.index == nil {
		n.index = make(map[string]uint32)
	}
	n.list = append(n.list, strings.Clone(s))
	n.last = uint32(len(n.list) - 1)
	n.index[key] = n.last
	return n.last
}

var typeCodes = map[registry.Type]uint8{registry.Secret: 1, registry.Key: 2, registry.Certificate: 3}
var codeTypes = [...]registry.Type{"", registry.Secret, registry.Key, registry.Certificate}

var statusCodes = map[registry.Status]uint8{registry.Active: 0, registry.Missing: 1, registry.Retired: 2}
var codeStatuses = [...]registry.Status{registry.Active, registry.Missing, registry.Retired}

// NewIndex returns an index of decoys (see Add).
func NewIndex(decoys []registry.Decoy) (*Index, error) {
	ix := &Index{heads: make(map[uint64]int32, len(decoys)), vaults: map[string]int{}}
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
		if err := check(d); err != nil {
			return fmt.Errorf("detect: decoy %d (%s %q): %w", i+1, d.Type, d.Name, err)
		}
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for _, d := range decoys {
		d.Type, d.Status = normType(d.Type), normStatus(d.Status)
		if d.Status == registry.Retired {
			ix.removeLocked(d)
			continue
		}
		ix.addLocked(d)
	}
	return nil
}

func (ix *Index) addLocked(d registry.Decoy) {
	id := parseVaultID(d.VaultID)
	h := hashKey(id.name, d.Name)
	if i := ix.find(h, id, d.Type, d.Name); i >= 0 {
		e := &ix.entries[i]
		e.id, e.status = d.ID, statusCodes[d.Status]
		return
	}
	head, ok := ix.heads[h]
	if !ok {
		head = -1
	}
	ix.entries = append(ix.entries, entry{
		name: strings.Clone(d.Name), vault: strings.Clone(id.name), id: d.ID,
		sub: ix.subs.intern(id.sub), group: ix.groups.intern(id.group), next: head,
		typ: typeCodes[d.Type], status: statusCodes[d.Status],
	})
	ix.heads[h] = int32(len(ix.entries) - 1)
	ix.vaults[id.key()]++
}

// find returns the entry index of exactly this decoy, or -1.
func (ix *Index) find(h uint64, id vaultID, t registry.Type, name string) int32 {
	head, ok := ix.heads[h]
	if !ok {
		return -1
	}
	for i := head; i >= 0; i = ix.entries[i].next {
		e := &ix.entries[i]
		if codeTypes[e.typ] == t && auditlog.EqualFoldASCII(e.name, name) && ix.inVault(e, id) {
			return i
		}
	}
	return -1
}

// inVault reports whether e's vault is the one id names.
func (ix *Index) inVault(e *entry, id vaultID) bool {
	return auditlog.EqualFoldASCII(e.vault, id.name) && auditlog.EqualFoldASCII(ix.subs.list[e.sub], id.sub) &&
		auditlog.EqualFoldASCII(ix.groups.list[e.group], id.group)
}

// vaultID is an ARM vault id in parts.
type vaultID struct{ sub, group, name string }

// key is the id's identity in Index.vaults: every spelling of one vault
// yields the same key.
func (id vaultID) key() string { return strings.ToLower(id.sub + "/" + id.group + "/" + id.name) }

// check is registry.Decoy.Validate without its regular expressions (a
// million decoys are checked on every start).
func check(d registry.Decoy) error {
	id := parseVaultID(d.VaultID)
	if id.sub == "" || id.group == "" || !validVaultName(id.name) {
		return fmt.Errorf("%w: %q", registry.ErrBadVaultID, d.VaultID)
	}
	if d.VaultName != "" && !strings.EqualFold(d.VaultName, id.name) { // as the registry compares
		return fmt.Errorf("vault name %q does not match vault id %q", d.VaultName, d.VaultID)
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
	id := parseVaultID(d.VaultID)
	h := hashKey(id.name, d.Name)
	i := ix.find(h, id, d.Type, d.Name)
	if i < 0 {
		return false
	}
	ix.unlink(h, i)
	if k := id.key(); ix.vaults[k] <= 1 {
		delete(ix.vaults, k)
	} else {
		ix.vaults[k]--
	}
	// Move the last entry into the hole so that entries stays dense.
	last := int32(len(ix.entries) - 1)
	if i != last {
		moved := ix.entries[last]
		mh := hashKey(moved.vault, moved.name)
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
// PFX are reached as key and secret of the same name). Canary events
// (auditlog.KindCanary: a decoy's value used outside Key Vault) name their
// decoy the same way and match alike. It returns nil for activity events
// and for events that name no object.
func (ix *Index) Lookup(ev *auditlog.Event) []registry.Decoy {
	if ev.Kind != auditlog.KindAudit && ev.Kind != auditlog.KindCanary || ev.ObjectType == "" || ev.ObjectName == "" || ev.VaultName == "" {
		return nil
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
	head, ok := ix.heads[h]
	if !ok {
		return nil
	}
	var out []registry.Decoy
	for i := head; i >= 0; i = ix.entries[i].next {
		e := &ix.entries[i]
		t := codeTypes[e.typ]
		if !auditlog.EqualFoldASCII(e.vault, ev.VaultName) || !auditlog.EqualFoldASCII(e.name, ev.ObjectName) || !compatible(t, ev.ObjectType) {
			continue
		}
		if ev.VaultID != "" && !ix.inVault(e, want) {
			continue
		}
		out = append(out, registry.Decoy{
			ID: e.id, VaultID: registry.VaultID(ix.subs.list[e.sub], ix.groups.list[e.group], e.vault),
			VaultName: e.vault, Name: e.name, Type: t, Status: codeStatuses[e.status],
		})
	}
	return out
}

// Vault reports whether the vault vaultID names (an ARM id in any case,
// or a sub-resource's id) holds decoys, and returns the id in
// registry.VaultID's spelling and the vault's name.
func (ix *Index) Vault(vaultID string) (id, name string, ok bool) {
	v := parseVaultID(strings.TrimRight(auditlog.VaultIDOf(vaultID), "/"))
	if v.name == "" {
		return "", "", false
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.vaults[v.key()] == 0 {
		return "", "", false
	}
	// The registry's spelling of the subscription and group, as decoy
	// alerts carry it.
	sub, group := ix.subs.list[ix.subs.index[strings.ToLower(v.sub)]], ix.groups.list[ix.groups.index[strings.ToLower(v.group)]]
	return registry.VaultID(sub, group, strings.ToLower(v.name)), strings.ToLower(v.name), true
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

// Prefilter returns a prefilter of the indexed decoys' names, for bulk
// scans (it does not follow later changes to the index).
func (ix *Index) Prefilter() *Prefilter {
	var names []string
	ix.Names(func(n string) { names = append(names, n) })
	return NewPrefilter(names)
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

func foldInto(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		h = fnvAdd(h, c)
	}
	return h
}
