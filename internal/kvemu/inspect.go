package kvemu

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Object types as Object.Type spells them (registry's spelling).
const (
	TypeSecret      = "secret"
	TypeKey         = "key"
	TypeCertificate = "certificate"
)

// Object is a snapshot of one object of a vault, for tests to assert on.
type Object struct {
	Type        string // TypeSecret, TypeKey or TypeCertificate
	Name        string // as first created
	Versions    int
	Deleted     bool // soft-deleted, not purged
	Managed     bool // a certificate's key or secret
	Enabled     bool // of the latest version
	ContentType string
	Tags        map[string]string
	Created     time.Time // of the latest version
	Updated     time.Time
}

func objectOf(typ, name string, versions int, deleted bool, m meta) Object {
	return Object{
		Type: typ, Name: name, Versions: versions, Deleted: deleted, Enabled: m.enabled, Tags: maps.Clone(m.tags),
		Created: time.Unix(m.created, 0).UTC(), Updated: time.Unix(m.updated, 0).UTC(),
	}
}

// Objects lists every object of a vault, live and soft-deleted, ordered by
// type and name.
func (e *Emulator) Objects(vaultName string) ([]Object, error) {
	v, err := e.vaultNamed(vaultName)
	if err != nil {
		return nil, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	var out []Object
	for _, m := range []map[string]*secretObj{v.secrets, v.deletedSecrets} {
		for _, s := range m {
			o := objectOf(TypeSecret, s.name, len(s.versions), s.deleted != nil, s.latest().meta)
			o.Managed, o.ContentType = s.latest().managed, s.latest().contentType
			out = append(out, o)
		}
	}
	for _, m := range []map[string]*keyObj{v.keys, v.deletedKeys} {
		for _, k := range m {
			o := objectOf(TypeKey, k.name, len(k.versions), k.deleted != nil, k.latest().meta)
			o.Managed = k.latest().managed
			out = append(out, o)
		}
	}
	for _, m := range []map[string]*certObj{v.certs, v.deletedCerts} {
		for _, co := range m {
			out = append(out, objectOf(TypeCertificate, co.name, len(co.versions), co.deleted != nil, co.latest().meta))
		}
	}
	slices.SortFunc(out, func(a, b Object) int {
		if c := strings.Compare(a.Type, b.Type); c != 0 {
			return c
		}
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	return out, nil
}

// Object finds one object by type and name (case-insensitively), live or
// soft-deleted.
func (e *Emulator) Object(vaultName, typ, name string) (Object, bool, error) {
	objs, err := e.Objects(vaultName)
	if err != nil {
		return Object{}, false, err
	}
	for _, o := range objs {
		if o.Type == typ && strings.EqualFold(o.Name, name) {
			return o, true, nil
		}
	}
	return Object{}, false, nil
}

// SecretValue returns the value of a live secret's latest version.
func (e *Emulator) SecretValue(vaultName, name string) (string, error) {
	v, err := e.vaultNamed(vaultName)
	if err != nil {
		return "", err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	s := v.secrets[strings.ToLower(name)]
	if s == nil {
		return "", fmt.Errorf("kvemu: no secret %q in vault %q", name, vaultName)
	}
	return s.latest().value, nil
}
