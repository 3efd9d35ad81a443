package detect

import (
	"strings"

	"github.com/honeyvault/honeyvault/internal/auditlog"
)

// arena holds strings back to back in one byte slice, so that a million
// of them are one object for the garbage collector instead of a million.
type arena struct{ b []byte }

func (a *arena) add(s string) uint32 {
	off := len(a.b)
	a.b = append(a.b, s...)
	return uint32(off)
}

// get returns the n bytes at off (do not modify or keep them: the arena
// may move when it grows).
func (a *arena) get(off uint32, n uint8) []byte { return a.b[off : off+uint32(n) : off+uint32(n)] }

func (a *arena) len() int { return len(a.b) }

// vaultTable interns the vaults that hold decoys: each is kept once,
// however many decoys it holds, and never dropped (a vault whose decoys
// were all removed counts zero). Not safe for concurrent use: the Index's
// lock guards it.
type vaultTable struct {
	list    []vault
	buckets []int32 // hash(sub, group, name) & mask → first vault of its chain, -1 for none
	names   arena   // vault names as first spelled
	subs    names   // subscription ids
	groups  names   // resource group names
	last    uint32  // the vault interned last: decoys come vault by vault
	// lastID is the ARM id the vault last was interned by, as spelled
	// (internID), and lastHash the hash of its name; lastID is "" when
	// last was interned otherwise.
	lastID   string
	lastHash uint64
}

// vault is one vault, compact: its ARM id is interned subscription and
// resource group plus its name in the arena, not a string of a hundred
// bytes.
type vault struct {
	sub, group uint32
	name       uint32 // offset in vaultTable.names
	nameLen    uint8
	next       int32 // next vault in the same bucket, -1 at the end
	decoys     int32 // decoys indexed in it
	active     int32 // of them, active (not missing)
}

func hashVault(id vaultID) uint64 {
	h := foldInto(fnvOffset, id.sub)
	h = foldInto(fnvAdd(h, '/'), id.group)
	return foldInto(fnvAdd(h, '/'), id.name)
}

// find returns the vault id names (any case), if interned.
func (t *vaultTable) find(id vaultID) (uint32, bool) {
	if len(t.buckets) == 0 {
		return 0, false
	}
	for i := t.buckets[hashVault(id)&uint64(len(t.buckets)-1)]; i >= 0; i = t.list[i].next {
		if t.is(uint32(i), id) {
			return uint32(i), true
		}
	}
	return 0, false
}

// internID interns the vault of an Azure decoy's ARM id (already
// checked) and returns it with hashKey's hash of its name, before the
// object name. An id spelled exactly as the last one is that vault again,
// found without parsing it: a million decoys come vault by vault.
func (t *vaultTable) internID(raw string) (uint32, uint64) {
	if raw == t.lastID && raw != "" && int(t.last) < len(t.list) {
		return t.last, t.lastHash
	}
	id := parseVaultID(raw)
	v := t.intern(id)
	t.lastID, t.lastHash = raw, fnvAdd(foldInto(fnvOffset, id.name), '|')
	return v, t.lastHash
}

// intern returns the vault id names, adding it when new.
func (t *vaultTable) intern(id vaultID) uint32 {
	t.lastID = ""
	if int(t.last) < len(t.list) && t.is(t.last, id) {
		return t.last
	}
	if i, ok := t.find(id); ok {
		t.last = i
		return i
	}
	if len(t.list) >= len(t.buckets) {
		t.rehash(max(2*len(t.buckets), 1024))
	}
	b := hashVault(id) & uint64(len(t.buckets)-1)
	t.list = append(t.list, vault{
		sub: t.subs.intern(id.sub), group: t.groups.intern(id.group),
		name: t.names.add(id.name), nameLen: uint8(len(id.name)), next: t.buckets[b],
	})
	t.buckets[b] = int32(len(t.list) - 1)
	t.last = uint32(len(t.list) - 1)
	return t.last
}

func (t *vaultTable) rehash(size int) {
	t.buckets = make([]int32, size)
	for i := range t.buckets {
		t.buckets[i] = -1
	}
	for i := range t.list {
		v := &t.list[i]
		sub, group := t.parts(uint32(i))
		b := hashVault(vaultID{sub: sub, group: group, name: string(t.name(uint32(i)))}) & uint64(size-1)
		v.next, t.buckets[b] = t.buckets[b], int32(i)
	}
}

// name returns vault v's name as first spelled (do not keep it).
func (t *vaultTable) name(v uint32) []byte { return t.names.get(t.list[v].name, t.list[v].nameLen) }

// parts returns vault v's subscription and resource group as first spelled.
func (t *vaultTable) parts(v uint32) (sub, group string) {
	return t.subs.list[t.list[v].sub], t.groups.list[t.list[v].group]
}

// is reports whether vault v is the one id names, in any case.
func (t *vaultTable) is(v uint32, id vaultID) bool {
	sub, group := t.parts(v)
	return auditlog.EqualFoldASCII(t.name(v), id.name) && auditlog.EqualFoldASCII(sub, id.sub) && auditlog.EqualFoldASCII(group, id.group)
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
