package kvemu

import (
	"net/http"
	"strings"
)

// certDelete soft-deletes the certificate with its key and secret.
func certDelete(c *call) (result, error) {
	c.v.mu.Lock()
	defer c.v.mu.Unlock()
	co, err := c.liveCert()
	if err != nil {
		return result{}, err
	}
	key := strings.ToLower(c.name)
	d := newDeletion(c.v, c.now)
	delete(c.v.certs, key)
	co.deleted = d
	c.v.deletedCerts[key] = co
	if k := c.v.keys[key]; k != nil {
		delete(c.v.keys, key)
		k.deleted = d
		c.v.deletedKeys[key] = k
	}
	if s := c.v.secrets[key]; s != nil {
		delete(c.v.secrets, key)
		s.deleted = d
		c.v.deletedSecrets[key] = s
	}
	out := c.certBundle(co, co.latest(), true)
	return result{status: http.StatusOK, body: out, id: c.certID(co.name, "")}, nil
}

func certListDeleted(c *call) (result, error) {
	c.v.mu.Lock()
	items := make([]certItemJSON, 0, len(c.v.deletedCerts))
	for _, co := range sortedCerts(c.v.deletedCerts) {
		items = append(items, c.certItem(co, co.latest(), false))
	}
	c.v.mu.Unlock()
	p, err := pageOf(c, items, func(it certItemJSON) string { return strings.ToLower(it.ID) })
	if err != nil {
		return result{}, err
	}
	return result{status: http.StatusOK, body: p}, nil
}

func certGetDeleted(c *call) (result, error) {
	c.v.mu.Lock()
	defer c.v.mu.Unlock()
	co := c.v.deletedCerts[strings.ToLower(c.name)]
	if co == nil {
		return result{}, errDeletedNotFound(kindCertificate, c.name)
	}
	out := c.certBundle(co, co.latest(), true)
	return result{status: http.StatusOK, body: out, id: out.RecoveryID}, nil
}

func certRecover(c *call) (result, error) {
	c.v.mu.Lock()
	defer c.v.mu.Unlock()
	key := strings.ToLower(c.name)
	co := c.v.deletedCerts[key]
	if co == nil {
		return result{}, errDeletedNotFound(kindCertificate, c.name)
	}
	if c.v.certs[key] != nil || c.v.keys[key] != nil || c.v.secrets[key] != nil {
		return result{}, errConflict("Certificate %s already exists.", c.name)
	}
	delete(c.v.deletedCerts, key)
	co.deleted = nil
	c.v.certs[key] = co
	if k := c.v.deletedKeys[key]; k != nil {
		delete(c.v.deletedKeys, key)
		k.deleted = nil
		c.v.keys[key] = k
	}
	if s := c.v.deletedSecrets[key]; s != nil {
		delete(c.v.deletedSecrets, key)
		s.deleted = nil
		c.v.secrets[key] = s
	}
	out := c.certBundle(co, co.latest(), true)
	return result{status: http.StatusOK, body: out, id: out.ID}, nil
}

func certPurge(c *call) (result, error) {
	c.v.mu.Lock()
	defer c.v.mu.Unlock()
	key := strings.ToLower(c.name)
	co := c.v.deletedCerts[key]
	if co == nil {
		return result{}, errDeletedNotFound(kindCertificate, c.name)
	}
	if c.v.purgeProt {
		return result{}, errForbidden("PurgeProtectionEnabled", "Operation 'DeleteDeletedCertificate' is not allowed because purge protection is enabled for this vault.")
	}
	delete(c.v.deletedCerts, key)
	delete(c.v.deletedKeys, key)
	delete(c.v.deletedSecrets, key)
	return result{status: http.StatusNoContent, id: "https://" + c.v.host() + "/deletedcertificates/" + co.name}, nil
}
