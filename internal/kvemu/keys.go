package kvemu

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"math/big"
	"net/http"
	"slices"
	"strings"
)

// keyVersion is one version of a key, with real private key material.
type keyVersion struct {
	version string
	kty     string // RSA, RSA-HSM, EC, EC-HSM
	crv     string // EC curve name
	keyOps  []string
	priv    crypto.Signer // *rsa.PrivateKey or *ecdsa.PrivateKey
	meta
	managed bool // true for a certificate's key
}

// keyObj is a key: its display name and versions, oldest first.
type keyObj struct {
	name     string
	versions []*keyVersion
	deleted  *deletion
}

func (k *keyObj) latest() *keyVersion { return k.versions[len(k.versions)-1] }

func (k *keyObj) find(version string) *keyVersion {
	if version == "" {
		return k.latest()
	}
	for _, kv := range k.versions {
		if strings.EqualFold(kv.version, version) {
			return kv
		}
	}
	return nil
}

// jwkJSON is a public JSON Web Key as Key Vault returns it.
type jwkJSON struct {
	KID    string   `json:"kid"`
	Kty    string   `json:"kty"`
	KeyOps []string `json:"key_ops"`
	N      string   `json:"n,omitempty"`
	E      string   `json:"e,omitempty"`
	Crv    string   `json:"crv,omitempty"`
	X      string   `json:"x,omitempty"`
	Y      string   `json:"y,omitempty"`
}

// keyBundleJSON is KeyBundle (and DeletedKeyBundle).
type keyBundleJSON struct {
	Key        jwkJSON           `json:"key"`
	Attributes *attributesJSON   `json:"attributes"`
	Tags       map[string]string `json:"tags,omitempty"`
	Managed    *bool             `json:"managed,omitempty"`
	deletedJSON
}

// keyItemJSON is KeyItem (and DeletedKeyItem) in lists.
type keyItemJSON struct {
	KID        string            `json:"kid"`
	Attributes *attributesJSON   `json:"attributes"`
	Tags       map[string]string `json:"tags,omitempty"`
	Managed    *bool             `json:"managed,omitempty"`
	deletedJSON
}

func (c *call) keyID(name, version string) string {
	id := "https://" + c.v.host() + "/keys/" + name
	if version != "" {
		id += "/" + version
	}
	return id
}

var b64url = base64.RawURLEncoding

// publicJWK renders the public half of a key version.
func publicJWK(kid string, kv *keyVersion) jwkJSON {
	j := jwkJSON{KID: kid, Kty: kv.kty, KeyOps: slices.Clone(kv.keyOps)}
	switch pub := kv.priv.Public().(type) {
	case *rsa.PublicKey:
		j.N = b64url.EncodeToString(pub.N.Bytes())
		j.E = b64url.EncodeToString(big.NewInt(int64(pub.E)).Bytes())
	case *ecdsa.PublicKey:
		size := (pub.Curve.Params().BitSize + 7) / 8
		j.Crv = kv.crv
		j.X = b64url.EncodeToString(pub.X.FillBytes(make([]byte, size)))
		j.Y = b64url.EncodeToString(pub.Y.FillBytes(make([]byte, size)))
	}
	return j
}

func (c *call) keyBundle(k *keyObj, kv *keyVersion) keyBundleJSON {
	b := keyBundleJSON{Key: publicJWK(c.keyID(k.name, kv.version), kv), Attributes: kv.meta.attributes(c.v), Tags: kv.tags}
	b.Managed = trueOrNil(kv.managed)
	b.deletedJSON = k.deleted.json(c.v, "deletedkeys", k.name)
	return b
}

func (c *call) keyItem(k *keyObj, kv *keyVersion, withVersion bool) keyItemJSON {
	it := keyItemJSON{KID: c.keyID(k.name, ""), Attributes: kv.meta.attributes(c.v), Tags: kv.tags}
	if withVersion {
		it.KID = c.keyID(k.name, kv.version)
	}
	it.Managed = trueOrNil(kv.managed)
	it.deletedJSON = k.deleted.json(c.v, "deletedkeys", k.name)
	return it
}

// keyLife serves the key lists and the keys' soft-delete lifecycle.
var keyLife = &lifecycle[*keyObj, keyItemJSON]{
	kind: kindKey, collection: "deletedkeys", shelf: (*vault).keyShelf,
	managed: func(k *keyObj) bool { return k.latest().managed },
	bundle: func(c *call, k *keyObj) (any, string) {
		out := c.keyBundle(k, k.latest())
		return out, out.Key.KID
	},
	objectID: func(c *call, name string) string { return c.keyID(name, "") },
	item:     func(c *call, k *keyObj) keyItemJSON { return c.keyItem(k, k.latest(), false) },
	versionItems: func(c *call, k *keyObj) []keyItemJSON {
		items := make([]keyItemJSON, 0, len(k.versions))
		for _, kv := range k.versions {
			items = append(items, c.keyItem(k, kv, true))
		}
		return items
	},
	itemID: func(it keyItemJSON) string { return it.KID },
}

func keySpec(name, perm, action string, class limitClass, run func(*call) (result, error)) *opSpec {
	return &opSpec{name: name, kind: kindKey, perm: perm, action: "Microsoft.KeyVault/vaults/" + action, class: class, run: run}
}

func init() {
	handle("GET", "keys", keySpec("KeyList", "list", "keys/read", classOther, keyLife.list))
	handle("POST", "keys/restore", keySpec("KeyRestore", "restore", "keys/restore/action", classSecretCreate, keyRestore))
	handle("GET", "keys/{name}/versions", keySpec("KeyListVersions", "list", "keys/read", classOther, keyLife.listVersions))
	handle("POST", "keys/{name}/create", keySpec("KeyCreate", "create", "keys/create/action", classKeyCreate, keyCreate))
	handle("POST", "keys/{name}/rotate", keySpec("KeyRotate", "rotate", "keys/rotate/action", classKeyCreate, keyRotate))
	handle("POST", "keys/{name}/backup", keySpec("KeyBackup", "backup", "keys/backup/action", classOther, keyBackup))
	// With no version the SDK's path join collapses "/keys/x//sign" to
	// "/keys/x/sign", which means the latest version.
	for _, op := range keyOperations {
		spec := keySpec(op.audit, op.perm, "keys/"+op.action+"/action", classOther, op.run)
		handle("POST", "keys/{name}/"+op.path, spec)
		handle("POST", "keys/{name}/{version}/"+op.path, spec)
	}
	handle("GET", "keys/{name}", keySpec("KeyGet", "get", "keys/read", classOther, keyGet))
	handle("GET", "keys/{name}/{version}", keySpec("KeyGet", "get", "keys/read", classOther, keyGet))
	handle("PATCH", "keys/{name}/{version}", keySpec("KeyUpdate", "update", "keys/update/action", classOther, keyUpdate))
	handle("DELETE", "keys/{name}", keySpec("KeyDelete", "delete", "keys/delete", classOther, keyLife.delete))
	handle("GET", "deletedkeys", keySpec("KeyListDeleted", "list", "deletedKeys/read", classOther, keyLife.listDeleted))
	handle("POST", "deletedkeys/{name}/recover", keySpec("KeyRecover", "recover", "deletedKeys/recover/action", classOther, keyLife.recover))
	handle("GET", "deletedkeys/{name}", keySpec("KeyGetDeleted", "list", "deletedKeys/read", classOther, keyLife.getDeleted))
	handle("DELETE", "deletedkeys/{name}", keySpec("KeyPurge", "purge", "deletedKeys/delete", classOther, keyLife.purge))
}

type keyCreateBody struct {
	Kty        string            `json:"kty"`
	KeySize    *int              `json:"key_size"`
	Crv        string            `json:"crv"`
	KeyOps     []string          `json:"key_ops"`
	Attributes *attributesJSON   `json:"attributes"`
	Tags       map[string]string `json:"tags"`
}

var (
	rsaKeyOps = []string{"encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"}
	ecKeyOps  = []string{"sign", "verify"}
	curves    = map[string]elliptic.Curve{"P-256": elliptic.P256(), "P-384": elliptic.P384(), "P-521": elliptic.P521()}
)

// generateKey makes real key material for a create request. It checks the
// vault SKU: HSM-protected keys need a premium vault.
func (e *Emulator) generateKey(kty string, size *int, crv string, ops []string, sku string) (*keyVersion, error) {
	kv := &keyVersion{version: newVersion(), kty: kty}
	switch kty {
	case "RSA", "RSA-HSM":
		bits := 2048
		if size != nil {
			bits = *size
		}
		if bits != 2048 && bits != 3072 && bits != 4096 {
			return nil, errBadParameter("The key size %d is not supported: use 2048, 3072 or 4096.", bits)
		}
		priv, err := e.rsaKey(bits)
		if err != nil {
			return nil, err
		}
		kv.priv, kv.keyOps = priv, rsaKeyOps
	case "EC", "EC-HSM":
		if crv == "" {
			crv = "P-256"
		}
		curve, ok := curves[crv]
		if !ok {
			return nil, errBadParameter("The curve %q is not supported: use P-256, P-384 or P-521.", crv)
		}
		priv, err := ecdsa.GenerateKey(curve, rand.Reader)
		if err != nil {
			return nil, err
		}
		kv.priv, kv.crv, kv.keyOps = priv, crv, ecKeyOps
	case "oct", "oct-HSM":
		return nil, errBadParameter("Key type %s is only supported by Managed HSM.", kty)
	case "":
		return nil, errBadParameter("Property kty is required.")
	default:
		return nil, errBadParameter("Invalid key type %q.", kty)
	}
	if strings.HasSuffix(kty, "-HSM") && sku != "premium" {
		return nil, errBadParameter("HSM-protected keys (%s) require a premium vault.", kty)
	}
	if ops != nil {
		kv.keyOps = slices.Clone(ops)
	} else {
		kv.keyOps = slices.Clone(kv.keyOps)
	}
	return kv, nil
}

func keyCreate(c *call) (result, error) {
	var b keyCreateBody
	if err := decodeBody(c.body, &b); err != nil {
		return result{}, err
	}
	c.v.mu.Lock()
	sku := c.v.sku
	c.v.mu.Unlock()
	kv, err := c.e.generateKey(b.Kty, b.KeySize, b.Crv, b.KeyOps, sku)
	if err != nil {
		return result{}, err
	}
	if kv.meta, err = newMeta(b.Attributes, b.Tags, c.now); err != nil {
		return result{}, err
	}
	c.v.mu.Lock()
	defer c.v.mu.Unlock()
	return c.addKeyVersionLocked(kv, "created")
}

// addKeyVersionLocked stores kv as the newest version of the key the call
// names, making the key if it is new, unless the name is soft-deleted or a
// certificate's key; verb names the operation ("created", "imported") in
// that conflict. The caller holds c.v.mu.
func (c *call) addKeyVersionLocked(kv *keyVersion, verb string) (result, error) {
	key := strings.ToLower(c.name)
	if c.v.deletedKeys[key] != nil {
		return result{}, errDeletedConflict(kindKey, c.name)
	}
	k := c.v.keys[key]
	if k != nil && k.latest().managed {
		return result{}, errConflict("Key %s is managed by a certificate and cannot be %s directly.", c.name, verb)
	}
	if k == nil {
		k = &keyObj{name: c.name}
		c.v.keys[key] = k
	}
	k.versions = append(k.versions, kv)
	out := c.keyBundle(k, kv)
	return result{status: http.StatusOK, body: out, id: out.Key.KID}, nil
}

// keyRotate makes a new version with the latest version's type and size.
func keyRotate(c *call) (result, error) {
	c.v.mu.Lock()
	k := c.v.keys[strings.ToLower(c.name)]
	if k == nil {
		c.v.mu.Unlock()
		return result{}, errNotFound(kindKey, c.name)
	}
	last := k.latest()
	sku := c.v.sku
	c.v.mu.Unlock()
	var size *int
	if pub, ok := last.priv.Public().(*rsa.PublicKey); ok {
		bits := pub.N.BitLen()
		size = &bits
	}
	kv, err := c.e.generateKey(last.kty, size, last.crv, last.keyOps, sku)
	if err != nil {
		return result{}, err
	}
	kv.meta = meta{enabled: true, created: c.now.Unix(), updated: c.now.Unix(), tags: cloneTags(last.tags)}
	c.v.mu.Lock()
	defer c.v.mu.Unlock()
	k.versions = append(k.versions, kv)
	out := c.keyBundle(k, kv)
	return result{status: http.StatusOK, body: out, id: out.Key.KID}, nil
}

// keyVersionLocked is the live key the call names and the version it asks
// for (the latest for none), or Key Vault's 404. The caller holds c.v.mu.
func (c *call) keyVersionLocked() (*keyObj, *keyVersion, error) {
	k := c.v.keys[strings.ToLower(c.name)]
	if k == nil {
		return nil, nil, errNotFound(kindKey, c.name)
	}
	kv := k.find(c.version)
	if kv == nil {
		return nil, nil, errNotFound(kindKey, c.name+"/"+c.version)
	}
	return k, kv, nil
}

func keyGet(c *call) (result, error) {
	c.v.mu.Lock()
	defer c.v.mu.Unlock()
	k, kv, err := c.keyVersionLocked()
	if err != nil {
		return result{}, err
	}
	out := c.keyBundle(k, kv)
	return result{status: http.StatusOK, body: out, id: out.Key.KID}, nil
}

type keyUpdateBody struct {
	KeyOps     []string          `json:"key_ops"`
	Attributes *attributesJSON   `json:"attributes"`
	Tags       map[string]string `json:"tags"`
}

func keyUpdate(c *call) (result, error) {
	var b keyUpdateBody
	if err := decodeBody(c.body, &b); err != nil {
		return result{}, err
	}
	c.v.mu.Lock()
	defer c.v.mu.Unlock()
	k, kv, err := c.keyVersionLocked()
	if err != nil {
		return result{}, err
	}
	m := kv.meta
	if err := m.apply(b.Attributes, b.Tags, c.now); err != nil {
		return result{}, err
	}
	kv.meta = m
	if b.KeyOps != nil {
		kv.keyOps = slices.Clone(b.KeyOps)
	}
	out := c.keyBundle(k, kv)
	return result{status: http.StatusOK, body: out, id: out.Key.KID}, nil
}
