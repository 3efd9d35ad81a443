package kvemu

import (
	"net/http"
	"strings"
)

// secretVersion is one version of a secret.
type secretVersion struct {
	version     string
	value       string
	contentType string
	meta
	kid     string // the backing key of a certificate's secret
	managed bool   // true for a certificate's secret
}

// secretObj is a secret: its display name and versions, oldest first.
type secretObj struct {
	name     string
	versions []*secretVersion
	deleted  *deletion
}

func (s *secretObj) latest() *secretVersion { return s.versions[len(s.versions)-1] }

func (s *secretObj) find(version string) *secretVersion {
	if version == "" {
		return s.latest()
	}
	for _, sv := range s.versions {
		if strings.EqualFold(sv.version, version) {
			return sv
		}
	}
	return nil
}

// secretBundleJSON is SecretBundle (and DeletedSecretBundle).
type secretBundleJSON struct {
	Value       *string           `json:"value,omitempty"`
	ContentType string            `json:"contentType,omitempty"`
	ID          string            `json:"id"`
	Attributes  *attributesJSON   `json:"attributes"`
	Tags        map[string]string `json:"tags,omitempty"`
	KID         string            `json:"kid,omitempty"`
	Managed     *bool             `json:"managed,omitempty"`
	deletedJSON
}

// secretItemJSON is SecretItem (and DeletedSecretItem) in lists.
type secretItemJSON struct {
	ID          string            `json:"id"`
	Attributes  *attributesJSON   `json:"attributes"`
	Tags        map[string]string `json:"tags,omitempty"`
	ContentType string            `json:"contentType,omitempty"`
	Managed     *bool             `json:"managed,omitempty"`
	deletedJSON
}

func (c *call) secretID(name, version string) string {
	id := "https://" + c.v.host() + "/secrets/" + name
	if version != "" {
		id += "/" + version
	}
	return id
}

func (c *call) secretBundle(s *secretObj, sv *secretVersion, withValue bool) secretBundleJSON {
	b := secretBundleJSON{
		ContentType: sv.contentType, ID: c.secretID(s.name, sv.version),
		Attributes: sv.meta.attributes(c.v), Tags: sv.tags, KID: sv.kid,
	}
	if withValue {
		val := sv.value
		b.Value = &val
	}
	b.Managed = trueOrNil(sv.managed)
	b.deletedJSON = s.deleted.json(c.v, "deletedsecrets", s.name)
	return b
}

func (c *call) secretItem(s *secretObj, sv *secretVersion, withVersion bool) secretItemJSON {
	it := secretItemJSON{Attributes: sv.meta.attributes(c.v), Tags: sv.tags, ContentType: sv.contentType}
	it.ID = c.secretID(s.name, "")
	if withVersion {
		it.ID = c.secretID(s.name, sv.version)
	}
	it.Managed = trueOrNil(sv.managed)
	it.deletedJSON = s.deleted.json(c.v, "deletedsecrets", s.name)
	return it
}

// secretLife serves the secret lists and the secrets' soft-delete lifecycle.
var secretLife = &lifecycle[*secretObj, secretItemJSON]{
	kind: kindSecret, collection: "deletedsecrets", shelf: (*vault).secretShelf,
	managed: func(s *secretObj) bool { return s.latest().managed },
	bundle: func(c *call, s *secretObj) (any, string) {
		out := c.secretBundle(s, s.latest(), false)
		return out, out.ID
	},
	deleteIDVersioned: true,
	objectID:          func(c *call, name string) string { return c.secretID(name, "") },
	item:              func(c *call, s *secretObj) secretItemJSON { return c.secretItem(s, s.latest(), false) },
	versionItems: func(c *call, s *secretObj) []secretItemJSON {
		items := make([]secretItemJSON, 0, len(s.versions))
		for _, sv := range s.versions {
			items = append(items, c.secretItem(s, sv, true))
		}
		return items
	},
	itemID: func(it secretItemJSON) string { return it.ID },
}

func secretSpec(name, perm, action string, class limitClass, run func(*call) (result, error)) *opSpec {
	return &opSpec{name: name, kind: kindSecret, perm: perm, action: "Microsoft.KeyVault/vaults/" + action, class: class, run: run}
}

func init() {
	handle("GET", "secrets", secretSpec("SecretList", "list", "secrets/readMetadata/action", classOther, secretLife.list))
	handle("POST", "secrets/restore", secretSpec("SecretRestore", "restore", "secrets/restore/action", classSecretCreate, secretRestore))
	handle("GET", "secrets/{name}/versions", secretSpec("SecretListVersions", "list", "secrets/readMetadata/action", classOther, secretLife.listVersions))
	handle("POST", "secrets/{name}/backup", secretSpec("SecretBackup", "backup", "secrets/backup/action", classOther, secretBackup))
	handle("PUT", "secrets/{name}", secretSpec("SecretSet", "set", "secrets/setSecret/action", classSecretCreate, secretSet))
	handle("GET", "secrets/{name}", secretSpec("SecretGet", "get", "secrets/getSecret/action", classOther, secretGet))
	handle("GET", "secrets/{name}/{version}", secretSpec("SecretGet", "get", "secrets/getSecret/action", classOther, secretGet))
	handle("PATCH", "secrets/{name}", secretSpec("SecretUpdate", "set", "secrets/setSecret/action", classOther, secretUpdate))
	handle("PATCH", "secrets/{name}/{version}", secretSpec("SecretUpdate", "set", "secrets/setSecret/action", classOther, secretUpdate))
	handle("DELETE", "secrets/{name}", secretSpec("SecretDelete", "delete", "secrets/delete", classOther, secretLife.delete))
	handle("GET", "deletedsecrets", secretSpec("SecretListDeleted", "list", "deletedSecrets/read", classOther, secretLife.listDeleted))
	handle("POST", "deletedsecrets/{name}/recover", secretSpec("SecretRecover", "recover", "deletedSecrets/recover/action", classOther, secretLife.recover))
	handle("GET", "deletedsecrets/{name}", secretSpec("SecretGetDeleted", "list", "deletedSecrets/read", classOther, secretLife.getDeleted))
	handle("DELETE", "deletedsecrets/{name}", secretSpec("SecretPurge", "purge", "deletedSecrets/delete", classOther, secretLife.purge))
}

type secretSetBody struct {
	Value       *string           `json:"value"`
	ContentType string            `json:"contentType"`
	Attributes  *attributesJSON   `json:"attributes"`
	Tags        map[string]string `json:"tags"`
}

func secretSet(c *call) (result, error) {
	var b secretSetBody
	if err := decodeBody(c.body, &b); err != nil {
		return result{}, err
	}
	if b.Value == nil {
		return result{}, errBadParameter("Property value is required.")
	}
	if len(*b.Value) > 25*1024 {
		return result{}, errBadParameter("The secret value is larger than 25 KB.")
	}
	m, err := newMeta(b.Attributes, b.Tags, c.now)
	if err != nil {
		return result{}, err
	}
	sv := &secretVersion{version: newVersion(), value: *b.Value, contentType: b.ContentType, meta: m}
	c.v.mu.Lock()
	defer c.v.mu.Unlock()
	key := strings.ToLower(c.name)
	if _, gone := c.v.deletedSecrets[key]; gone {
		return result{}, errDeletedConflict(kindSecret, c.name)
	}
	s := c.v.secrets[key]
	if s != nil && s.latest().managed {
		return result{}, errConflict("Secret %s is managed by a certificate and cannot be set directly.", c.name)
	}
	if s == nil {
		s = &secretObj{name: c.name}
		c.v.secrets[key] = s
	}
	s.versions = append(s.versions, sv)
	out := c.secretBundle(s, sv, true)
	return result{status: http.StatusOK, body: out, id: out.ID}, nil
}

// secretVersionLocked is the live secret the call names and the version
// it asks for (the latest for none), or Key Vault's 404. The caller holds
// c.v.mu.
func (c *call) secretVersionLocked() (*secretObj, *secretVersion, error) {
	s := c.v.secrets[strings.ToLower(c.name)]
	if s == nil {
		return nil, nil, errNotFound(kindSecret, c.name)
	}
	sv := s.find(c.version)
	if sv == nil {
		return nil, nil, errNotFound(kindSecret, c.name+"/"+c.version)
	}
	return s, sv, nil
}

func secretGet(c *call) (result, error) {
	c.v.mu.Lock()
	defer c.v.mu.Unlock()
	s, sv, err := c.secretVersionLocked()
	if err != nil {
		return result{}, err
	}
	if !sv.enabled {
		return result{}, errForbidden("SecretDisabled", "Operation get is not allowed on a disabled secret.")
	}
	out := c.secretBundle(s, sv, true)
	return result{status: http.StatusOK, body: out, id: out.ID}, nil
}

type secretUpdateBody struct {
	ContentType *string           `json:"contentType"`
	Attributes  *attributesJSON   `json:"attributes"`
	Tags        map[string]string `json:"tags"`
}

func secretUpdate(c *call) (result, error) {
	var b secretUpdateBody
	if err := decodeBody(c.body, &b); err != nil {
		return result{}, err
	}
	c.v.mu.Lock()
	defer c.v.mu.Unlock()
	s, sv, err := c.secretVersionLocked()
	if err != nil {
		return result{}, err
	}
	m := sv.meta
	if err := m.apply(b.Attributes, b.Tags, c.now); err != nil {
		return result{}, err
	}
	sv.meta = m
	if b.ContentType != nil {
		sv.contentType = *b.ContentType
	}
	out := c.secretBundle(s, sv, false)
	return result{status: http.StatusOK, body: out, id: out.ID}, nil
}
