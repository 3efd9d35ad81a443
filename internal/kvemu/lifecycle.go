package kvemu

import (
	"net/http"
	"strings"
)

// object is a secret, key or certificate as its lifecycle sees it.
type object interface {
	displayName() string
	markDeleted(d *deletion) // nil clears the mark (recover)
}

func (s *secretObj) displayName() string     { return s.name }
func (s *secretObj) markDeleted(d *deletion) { s.deleted = d }
func (k *keyObj) displayName() string        { return k.name }
func (k *keyObj) markDeleted(d *deletion)    { k.deleted = d }
func (co *certObj) displayName() string      { return co.name }
func (co *certObj) markDeleted(d *deletion)  { co.deleted = d }

// shelf is a vault's live and soft-deleted maps of one object kind, both
// keyed by lower-case name.
type shelf[O object] struct{ live, deleted map[string]O }

func (v *vault) secretShelf() shelf[*secretObj] {
	return shelf[*secretObj]{v.secrets, v.deletedSecrets}
}

func (v *vault) keyShelf() shelf[*keyObj]   { return shelf[*keyObj]{v.keys, v.deletedKeys} }
func (v *vault) certShelf() shelf[*certObj] { return shelf[*certObj]{v.certs, v.deletedCerts} }

// mover is a shelf of any kind, for the objects that are deleted,
// recovered and purged together (a certificate, its key and its secret).
type mover interface {
	isLive(key string) bool
	trash(key string, d *deletion)
	restore(key string)
	purge(key string)
}

func (s shelf[O]) isLive(key string) bool { _, ok := s.live[key]; return ok }

// trash soft-deletes the live object under key, if there is one.
func (s shelf[O]) trash(key string, d *deletion) {
	if o, ok := s.live[key]; ok {
		delete(s.live, key)
		o.markDeleted(d)
		s.deleted[key] = o
	}
}

// restore recovers the deleted object under key, if there is one.
func (s shelf[O]) restore(key string) {
	if o, ok := s.deleted[key]; ok {
		delete(s.deleted, key)
		o.markDeleted(nil)
		s.live[key] = o
	}
}

func (s shelf[O]) purge(key string) { delete(s.deleted, key) }

// lifecycle serves one object kind's lists (lists.go) and its soft-delete
// operations (delete, get and list deleted, recover, purge), which Key
// Vault runs alike for secrets, keys and certificates; the fields say what
// differs.
type lifecycle[O object, I any] struct {
	kind         objectKind
	collection   string // the deleted objects' path, as in recovery ids: "deletedsecrets"
	shelf        func(*vault) shelf[O]
	linked       func(*vault) []mover                 // what is deleted, recovered and purged with O
	managed      func(O) bool                         // true refuses deleting O on its own
	bundle       func(*call, O) (body any, id string) // the latest version's bundle
	objectID     func(c *call, name string) string    // the id without a version
	item         func(*call, O) I                     // the latest version, in lists
	versionItems func(*call, O) []I
	itemID       func(I) string
	// deleteIDVersioned makes a delete report the latest version's id (as a
	// secret's does) rather than the object's.
	deleteIDVersioned bool
}

// moversOf is O's shelf followed by the linked ones.
func (l *lifecycle[O, I]) moversOf(v *vault) []mover {
	out := []mover{l.shelf(v)}
	if l.linked != nil {
		out = append(out, l.linked(v)...)
	}
	return out
}

func (l *lifecycle[O, I]) recoveryID(c *call, o O) string {
	return recoveryID(c.v, l.collection, o.displayName())
}

// deletedLocked is the soft-deleted object the call names. The caller
// holds c.v.mu.
func (l *lifecycle[O, I]) deletedLocked(c *call) (O, error) {
	o, ok := l.shelf(c.v).deleted[strings.ToLower(c.name)]
	if !ok {
		return o, errDeletedNotFound(l.kind, c.name)
	}
	return o, nil
}

func (l *lifecycle[O, I]) delete(c *call) (result, error) {
	c.v.mu.Lock()
	defer c.v.mu.Unlock()
	key := strings.ToLower(c.name)
	o, ok := l.shelf(c.v).live[key]
	if !ok {
		return result{}, errNotFound(l.kind, c.name)
	}
	if l.managed != nil && l.managed(o) {
		return result{}, errForbidden("ManagedObjectOperationNotAllowed", "Operation delete is not allowed on %s %s: it is managed by a certificate.", kindNames[l.kind].lower, c.name)
	}
	d := newDeletion(c.v, c.now)
	for _, m := range l.moversOf(c.v) {
		m.trash(key, d)
	}
	body, id := l.bundle(c, o)
	if !l.deleteIDVersioned {
		id = l.objectID(c, o.displayName())
	}
	return result{status: http.StatusOK, body: body, id: id}, nil
}

func (l *lifecycle[O, I]) getDeleted(c *call) (result, error) {
	c.v.mu.Lock()
	defer c.v.mu.Unlock()
	o, err := l.deletedLocked(c)
	if err != nil {
		return result{}, err
	}
	body, _ := l.bundle(c, o)
	return result{status: http.StatusOK, body: body, id: l.recoveryID(c, o)}, nil
}

func (l *lifecycle[O, I]) recover(c *call) (result, error) {
	c.v.mu.Lock()
	defer c.v.mu.Unlock()
	o, err := l.deletedLocked(c)
	if err != nil {
		return result{}, err
	}
	key := strings.ToLower(c.name)
	movers := l.moversOf(c.v)
	for _, m := range movers {
		if m.isLive(key) {
			return result{}, errConflict("%s %s already exists.", kindNames[l.kind].title, c.name)
		}
	}
	for _, m := range movers {
		m.restore(key)
	}
	body, id := l.bundle(c, o)
	return result{status: http.StatusOK, body: body, id: id}, nil
}

func (l *lifecycle[O, I]) purge(c *call) (result, error) {
	c.v.mu.Lock()
	defer c.v.mu.Unlock()
	o, err := l.deletedLocked(c)
	if err != nil {
		return result{}, err
	}
	if c.v.purgeProt {
		return result{}, errForbidden("PurgeProtectionEnabled", "Operation 'DeleteDeleted%s' is not allowed because purge protection is enabled for this vault.", kindNames[l.kind].title)
	}
	for _, m := range l.moversOf(c.v) {
		m.purge(strings.ToLower(c.name))
	}
	return result{status: http.StatusNoContent, id: l.recoveryID(c, o)}, nil
}
