package kvemu

import (
	"crypto"
	"crypto/x509"
	"net/http"
	"strings"
)

func keyBackup(c *call) (result, error) {
	c.v.mu.Lock()
	k := c.v.keys[strings.ToLower(c.name)]
	if k == nil {
		c.v.mu.Unlock()
		return result{}, errNotFound(kindKey, c.name)
	}
	p, err := keyBackupOf(k)
	if err != nil {
		c.v.mu.Unlock()
		return result{}, err
	}
	id := c.keyID(k.name, "")
	c.v.mu.Unlock()
	blob, err := c.e.sealBackup(kindKey, c.v.sub, p)
	if err != nil {
		return result{}, err
	}
	return result{status: http.StatusOK, body: backupResultJSON{Value: blob}, id: id}, nil
}

func keyRestore(c *call) (result, error) {
	var b backupResultJSON
	if err := decodeBody(c.body, &b); err != nil {
		return result{}, err
	}
	var p keyBackupPayload
	if err := c.e.openBackup(b.Value, kindKey, c.v.sub, &p); err != nil {
		return result{}, err
	}
	if len(p.Versions) == 0 {
		return result{}, errBadParameter("Backup blob holds no versions.")
	}
	k, err := p.restore(false)
	if err != nil {
		return result{}, err
	}
	c.v.mu.Lock()
	defer c.v.mu.Unlock()
	key := strings.ToLower(p.Name)
	if c.v.keys[key] != nil {
		return result{}, errConflict("Key %s already exists.", p.Name)
	}
	if c.v.deletedKeys[key] != nil {
		return result{}, errDeletedConflict(kindKey, p.Name)
	}
	c.v.keys[key] = k
	out := c.keyBundle(k, k.latest())
	return result{status: http.StatusOK, body: out, id: out.Key.KID}, nil
}

// keyBackupPayload is a key inside a sealed backup blob.
type keyBackupPayload struct {
	Name     string             `json:"name"`
	Versions []keyBackupVersion `json:"versions"`
}

type keyBackupVersion struct {
	Version string     `json:"version"`
	Kty     string     `json:"kty"`
	Crv     string     `json:"crv,omitempty"`
	KeyOps  []string   `json:"keyOps"`
	PKCS8   []byte     `json:"pkcs8"`
	Meta    backupMeta `json:"meta"`
}

func keyBackupOf(k *keyObj) (keyBackupPayload, error) {
	p := keyBackupPayload{Name: k.name}
	for _, kv := range k.versions {
		der, err := x509.MarshalPKCS8PrivateKey(kv.priv)
		if err != nil {
			return keyBackupPayload{}, err
		}
		p.Versions = append(p.Versions, keyBackupVersion{Version: kv.version, Kty: kv.kty, Crv: kv.crv, KeyOps: kv.keyOps, PKCS8: der, Meta: kv.meta.backup()})
	}
	return p, nil
}

// restore rebuilds the key; managed marks a certificate's key.
func (p keyBackupPayload) restore(managed bool) (*keyObj, error) {
	k := &keyObj{name: p.Name}
	for _, bv := range p.Versions {
		priv, err := x509.ParsePKCS8PrivateKey(bv.PKCS8)
		signer, ok := priv.(crypto.Signer)
		if err != nil || !ok {
			return nil, errBadParameter("Backup blob contains invalid or corrupt version.")
		}
		k.versions = append(k.versions, &keyVersion{version: bv.Version, kty: bv.Kty, crv: bv.Crv, keyOps: bv.KeyOps, priv: signer, meta: bv.Meta.meta(), managed: managed})
	}
	return k, nil
}
