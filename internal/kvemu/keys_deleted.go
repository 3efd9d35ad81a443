package kvemu

import (
	"net/http"
	"strings"
)

func keyDelete(c *call) (result, error) {
	c.v.mu.Lock()
	defer c.v.mu.Unlock()
	key := strings.ToLower(c.name)
	k := c.v.keys[key]
	if k == nil {
		return result{}, errNotFound(kindKey, c.name)
	}
	if k.latest().managed {
		return result{}, errForbidden("ManagedObjectOperationNotAllowed", "Operation delete is not allowed on key %s: it is managed by a certificate.", c.name)
	}
	delete(c.v.keys, key)
	k.deleted = newDeletion(c.v, c.now)
	c.v.deletedKeys[key] = k
	out := c.keyBundle(k, k.latest())
	return result{status: http.StatusOK, body: out, id: c.keyID(k.name, "")}, nil
}

func keyListDeleted(c *call) (result, error) {
	c.v.mu.Lock()
	items := make([]keyItemJSON, 0, len(c.v.deletedKeys))
	for _, k := range sortedKeys(c.v.deletedKeys) {
		items = append(items, c.keyItem(k, k.latest(), false))
	}
	c.v.mu.Unlock()
	p, err := pageOf(c, items, func(it keyItemJSON) string { return strings.ToLower(it.KID) })
	if err != nil {
		return result{}, err
	}
	return result{status: http.StatusOK, body: p}, nil
}

func keyGetDeleted(c *call) (result, error) {
	c.v.mu.Lock()
	defer c.v.mu.Unlock()
	k := c.v.deletedKeys[strings.ToLower(c.name)]
	if k == nil {
		return result{}, errDeletedNotFound(kindKey, c.name)
	}
	out := c.keyBundle(k, k.latest())
	return result{status: http.StatusOK, body: out, id: out.RecoveryID}, nil
}

func keyRecover(c *call) (result, error) {
	c.v.mu.Lock()
	defer c.v.mu.Unlock()
	key := strings.ToLower(c.name)
	k := c.v.deletedKeys[key]
	if k == nil {
		return result{}, errDeletedNotFound(kindKey, c.name)
	}
	if c.v.keys[key] != nil {
		return result{}, errConflict("Key %s already exists.", c.name)
	}
	delete(c.v.deletedKeys, key)
	k.deleted = nil
	c.v.keys[key] = k
	out := c.keyBundle(k, k.latest())
	return result{status: http.StatusOK, body: out, id: out.Key.KID}, nil
}

func keyPurge(c *call) (result, error) {
	c.v.mu.Lock()
	defer c.v.mu.Unlock()
	key := strings.ToLower(c.name)
	k := c.v.deletedKeys[key]
	if k == nil {
		return result{}, errDeletedNotFound(kindKey, c.name)
	}
	if c.v.purgeProt {
		return result{}, errForbidden("PurgeProtectionEnabled", "Operation 'DeleteDeletedKey' is not allowed because purge protection is enabled for this vault.")
	}
	delete(c.v.deletedKeys, key)
	return result{status: http.StatusNoContent, id: "https://" + c.v.host() + "/deletedkeys/" + k.name}, nil
}
