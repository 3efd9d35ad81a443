package kvemu

import (
	"net/http"
	"strings"
)

func secretBackup(c *call) (result, error) {
	c.v.mu.Lock()
	s := c.v.secrets[strings.ToLower(c.name)]
	if s == nil {
		c.v.mu.Unlock()
		return result{}, errNotFound(kindSecret, c.name)
	}
	p := secretBackupOf(s)
	id := c.secretID(s.name, "")
	c.v.mu.Unlock()
	blob, err := c.e.sealBackup(kindSecret, c.v.sub, p)
	if err != nil {
		return result{}, err
	}
	return result{status: http.StatusOK, body: backupResultJSON{Value: blob}, id: id}, nil
}

func secretRestore(c *call) (result, error) {
	var b backupResultJSON
	if err := decodeBody(c.body, &b); err != nil {
		return result{}, err
	}
	var p secretBackupPayload
	if err := c.e.openBackup(b.Value, kindSecret, c.v.sub, &p); err != nil {
		return result{}, err
	}
	if len(p.Versions) == 0 {
		return result{}, errBadParameter("Backup blob holds no versions.")
	}
	s := p.restore(false)
	c.v.mu.Lock()
	defer c.v.mu.Unlock()
	key := strings.ToLower(p.Name)
	if c.v.secrets[key] != nil {
		return result{}, errConflict("Secret %s already exists.", p.Name)
	}
	if c.v.deletedSecrets[key] != nil {
		return result{}, errDeletedConflict(kindSecret, p.Name)
	}
	c.v.secrets[key] = s
	out := c.secretBundle(s, s.latest(), false)
	return result{status: http.StatusOK, body: out, id: out.ID}, nil
}

// secretBackupPayload is a secret inside a sealed backup blob.
type secretBackupPayload struct {
	Name     string                `json:"name"`
	Versions []secretBackupVersion `json:"versions"`
}

type secretBackupVersion struct {
	Version     string     `json:"version"`
	Value       string     `json:"value"`
	ContentType string     `json:"contentType,omitempty"`
	Meta        backupMeta `json:"meta"`
}

func secretBackupOf(s *secretObj) secretBackupPayload {
	p := secretBackupPayload{Name: s.name}
	for _, sv := range s.versions {
		p.Versions = append(p.Versions, secretBackupVersion{Version: sv.version, Value: sv.value, ContentType: sv.contentType, Meta: sv.meta.backup()})
	}
	return p
}

// restore rebuilds the secret; managed marks a certificate's secret.
func (p secretBackupPayload) restore(managed bool) *secretObj {
	s := &secretObj{name: p.Name}
	for _, bv := range p.Versions {
		s.versions = append(s.versions, &secretVersion{version: bv.Version, value: bv.Value, contentType: bv.ContentType, meta: bv.Meta.meta(), managed: managed})
	}
	return s
}

type backupResultJSON struct {
	Value string `json:"value"`
}
