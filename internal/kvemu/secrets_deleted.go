package kvemu

import (
	"net/http"
	"strings"
)

func secretDelete(c *call) (result, error) {
	c.v.mu.Lock()
	defer c.v.mu.Unlock()
	key := strings.ToLower(c.name)
	s := c.v.secrets[key]
	if s == nil {
		return result{}, errNotFound(kindSecret, c.name)
	}
	if s.latest().managed {
		return result{}, errForbidden("ManagedObjectOperationNotAllowed", "Operation delete is not allowed on secret %s: it is managed by a certificate.", c.name)
	}
	delete(c.v.secrets, key)
	s.deleted = newDeletion(c.v, c.now)
	c.v.deletedSecrets[key] = s
	out := c.secretBundle(s, s.latest(), false)
	return result{status: http.StatusOK, body: out, id: out.ID}, nil
}

func secretListDeleted(c *call) (result, error) {
	c.v.mu.Lock()
	items := make([]secretItemJSON, 0, len(c.v.deletedSecrets))
	for _, s := range sortedSecrets(c.v.deletedSecrets) {
		items = append(items, c.secretItem(s, s.latest(), false))
	}
	c.v.mu.Unlock()
	p, err := pageOf(c, items, func(it secretItemJSON) string { return strings.ToLower(it.ID) })
	if err != nil {
		return result{}, err
	}
	return result{status: http.StatusOK, body: p}, nil
}

func secretGetDeleted(c *call) (result, error) {
	c.v.mu.Lock()
	defer c.v.mu.Unlock()
	s := c.v.deletedSecrets[strings.ToLower(c.name)]
	if s == nil {
		return result{}, errDeletedNotFound(kindSecret, c.name)
	}
	out := c.secretBundle(s, s.latest(), false)
	return result{status: http.StatusOK, body: out, id: out.RecoveryID}, nil
}

func secretRecover(c *call) (result, error) {
	c.v.mu.Lock()
	defer c.v.mu.Unlock()
	key := strings.ToLower(c.name)
	s := c.v.deletedSecrets[key]
	if s == nil {
		return result{}, errDeletedNotFound(kindSecret, c.name)
	}
	if c.v.secrets[key] != nil {
		return result{}, errConflict("Secret %s already exists.", c.name)
	}
	delete(c.v.deletedSecrets, key)
	s.deleted = nil
	c.v.secrets[key] = s
	out := c.secretBundle(s, s.latest(), false)
	return result{status: http.StatusOK, body: out, id: out.ID}, nil
}

func secretPurge(c *call) (result, error) {
	c.v.mu.Lock()
	defer c.v.mu.Unlock()
	key := strings.ToLower(c.name)
	s := c.v.deletedSecrets[key]
	if s == nil {
		return result{}, errDeletedNotFound(kindSecret, c.name)
	}
	if c.v.purgeProt {
		return result{}, errForbidden("PurgeProtectionEnabled", "Operation 'DeleteDeletedSecret' is not allowed because purge protection is enabled for this vault.")
	}
	delete(c.v.deletedSecrets, key)
	return result{status: http.StatusNoContent, id: "https://" + c.v.host() + "/deletedsecrets/" + s.name}, nil
}
