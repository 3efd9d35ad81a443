package kvemu

import (
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/google/uuid"
)

// certVersion is one version of a certificate. Its key and secret share
// the version id and live in the vault's keys and secrets, managed.
type certVersion struct {
	version string
	der     []byte
	policy  certPolicyJSON
	meta
}

// certObj is a certificate: its display name and versions, oldest first.
type certObj struct {
	name     string
	versions []*certVersion
	deleted  *deletion
	pending  *certOperationJSON // the last create operation
}

func (co *certObj) latest() *certVersion { return co.versions[len(co.versions)-1] }

func (co *certObj) find(version string) *certVersion {
	if version == "" {
		return co.latest()
	}
	for _, cv := range co.versions {
		if strings.EqualFold(cv.version, version) {
			return cv
		}
	}
	return nil
}

// certPolicyJSON is CertificatePolicy.
type certPolicyJSON struct {
	ID              string           `json:"id,omitempty"`
	KeyProps        *certKeyProps    `json:"key_props,omitempty"`
	SecretProps     *certSecretProps `json:"secret_props,omitempty"`
	X509Props       *certX509Props   `json:"x509_props,omitempty"`
	Issuer          *certIssuer      `json:"issuer,omitempty"`
	Attributes      *attributesJSON  `json:"attributes,omitempty"`
	LifetimeActions []rawAction      `json:"lifetime_actions,omitempty"`
}

// rawAction keeps a lifetime action as the client sent it.
type rawAction = map[string]any

type certKeyProps struct {
	Exportable *bool  `json:"exportable,omitempty"`
	Kty        string `json:"kty,omitempty"`
	KeySize    *int   `json:"key_size,omitempty"`
	ReuseKey   *bool  `json:"reuse_key,omitempty"`
	Crv        string `json:"crv,omitempty"`
}

type certSecretProps struct {
	ContentType string `json:"contentType,omitempty"`
}

type certX509Props struct {
	Subject        string    `json:"subject,omitempty"`
	SANs           *certSANs `json:"sans,omitempty"`
	EKUs           []string  `json:"ekus,omitempty"`
	KeyUsage       []string  `json:"key_usage,omitempty"`
	ValidityMonths *int      `json:"validity_months,omitempty"`
}

type certSANs struct {
	DNSNames []string `json:"dns_names,omitempty"`
	Emails   []string `json:"emails,omitempty"`
	UPNs     []string `json:"upns,omitempty"`
}

type certIssuer struct {
	Name string `json:"name,omitempty"`
	Cty  string `json:"cty,omitempty"`
}

// certOperationJSON is CertificateOperation.
type certOperationJSON struct {
	ID                    string      `json:"id"`
	Issuer                *certIssuer `json:"issuer"`
	CSR                   string      `json:"csr"`
	CancellationRequested bool        `json:"cancellation_requested"`
	Status                string      `json:"status"`
	StatusDetails         string      `json:"status_details,omitempty"`
	Target                string      `json:"target"`
	RequestID             string      `json:"request_id"`
}

// certBundleJSON is CertificateBundle (and DeletedCertificateBundle).
type certBundleJSON struct {
	ID         string            `json:"id"`
	KID        string            `json:"kid"`
	SID        string            `json:"sid"`
	X5T        string            `json:"x5t"`
	CER        string            `json:"cer"`
	Attributes *attributesJSON   `json:"attributes"`
	Tags       map[string]string `json:"tags,omitempty"`
	Policy     *certPolicyJSON   `json:"policy,omitempty"`
	deletedJSON
}

// certItemJSON is CertificateItem (and DeletedCertificateItem).
type certItemJSON struct {
	ID         string            `json:"id"`
	Attributes *attributesJSON   `json:"attributes"`
	Tags       map[string]string `json:"tags,omitempty"`
	X5T        string            `json:"x5t"`
	deletedJSON
}

func (c *call) certID(name, version string) string {
	id := "https://" + c.v.host() + "/certificates/" + name
	if version != "" {
		id += "/" + version
	}
	return id
}

func thumbprint(der []byte) string {
	sum := sha1.Sum(der)
	return b64url.EncodeToString(sum[:])
}

func (c *call) certAttributes(cv *certVersion) *attributesJSON {
	a := cv.meta.attributes(c.v)
	if cert, err := x509.ParseCertificate(cv.der); err == nil {
		nbf, exp := cert.NotBefore.Unix(), cert.NotAfter.Unix()
		a.NotBefore, a.Expires = &nbf, &exp
	}
	return a
}

func (c *call) certBundle(co *certObj, cv *certVersion, withPolicy bool) certBundleJSON {
	b := certBundleJSON{
		ID: c.certID(co.name, cv.version), KID: c.keyID(co.name, cv.version), SID: c.secretID(co.name, cv.version),
		X5T: thumbprint(cv.der), CER: base64.StdEncoding.EncodeToString(cv.der),
		Attributes: c.certAttributes(cv), Tags: cv.tags,
	}
	if withPolicy {
		p := cv.policy
		p.ID = c.certID(co.name, "") + "/policy"
		b.Policy = &p
	}
	b.deletedJSON = co.deleted.json(c.v, "deletedcertificates", co.name)
	return b
}

func (c *call) certItem(co *certObj, cv *certVersion, withVersion bool) certItemJSON {
	it := certItemJSON{ID: c.certID(co.name, ""), Attributes: c.certAttributes(cv), Tags: cv.tags, X5T: thumbprint(cv.der)}
	if withVersion {
		it.ID = c.certID(co.name, cv.version)
	}
	it.deletedJSON = co.deleted.json(c.v, "deletedcertificates", co.name)
	return it
}

// certLife serves the certificate lists and the certificates'
// soft-delete lifecycle, which carries the backing key and secret along.
var certLife = &lifecycle[*certObj, certItemJSON]{
	kind: kindCertificate, collection: "deletedcertificates", shelf: (*vault).certShelf,
	linked: func(v *vault) []mover { return []mover{v.keyShelf(), v.secretShelf()} },
	bundle: func(c *call, co *certObj) (any, string) {
		out := c.certBundle(co, co.latest(), true)
		return out, out.ID
	},
	objectID: func(c *call, name string) string { return c.certID(name, "") },
	item:     func(c *call, co *certObj) certItemJSON { return c.certItem(co, co.latest(), false) },
	versionItems: func(c *call, co *certObj) []certItemJSON {
		items := make([]certItemJSON, 0, len(co.versions))
		for _, cv := range co.versions {
			items = append(items, c.certItem(co, cv, true))
		}
		return items
	},
	itemID: func(it certItemJSON) string { return it.ID },
}

func certSpec(name, perm, action string, class limitClass, run func(*call) (result, error)) *opSpec {
	return &opSpec{name: name, kind: kindCertificate, perm: perm, action: "Microsoft.KeyVault/vaults/" + action, class: class, run: run}
}

func init() {
	handle("GET", "certificates", certSpec("CertificateList", "list", "certificates/read", classOther, certLife.list))
	handle("GET", "certificates/{name}/versions", certSpec("CertificateListVersions", "list", "certificates/read", classOther, certLife.listVersions))
	handle("POST", "certificates/{name}/create", certSpec("CertificateCreate", "create", "certificates/create/action", classKeyCreate, certCreate))
	handle("GET", "certificates/{name}/pending", certSpec("CertificatePendingGet", "get", "certificates/read", classOther, certPendingGet))
	handle("GET", "certificates/{name}/policy", certSpec("CertificatePolicyGet", "get", "certificates/read", classOther, certPolicyGet))
	handle("GET", "certificates/{name}", certSpec("CertificateGet", "get", "certificates/read", classOther, certGet))
	handle("GET", "certificates/{name}/{version}", certSpec("CertificateGet", "get", "certificates/read", classOther, certGet))
	handle("PATCH", "certificates/{name}/{version}", certSpec("CertificateUpdate", "update", "certificates/update/action", classOther, certUpdate))
	handle("DELETE", "certificates/{name}", certSpec("CertificateDelete", "delete", "certificates/delete", classOther, certLife.delete))
	handle("GET", "deletedcertificates", certSpec("CertificateListDeleted", "list", "deletedCertificates/read", classOther, certLife.listDeleted))
	handle("POST", "deletedcertificates/{name}/recover", certSpec("CertificateRecover", "recover", "deletedCertificates/recover/action", classOther, certLife.recover))
	handle("GET", "deletedcertificates/{name}", certSpec("CertificateGetDeleted", "list", "deletedCertificates/read", classOther, certLife.getDeleted))
	handle("DELETE", "deletedcertificates/{name}", certSpec("CertificatePurge", "purge", "deletedCertificates/delete", classOther, certLife.purge))
}

type certCreateBody struct {
	Policy     *certPolicyJSON   `json:"policy"`
	Attributes *attributesJSON   `json:"attributes"`
	Tags       map[string]string `json:"tags"`
}

func certCreate(c *call) (result, error) {
	var b certCreateBody
	if err := decodeBody(c.body, &b); err != nil {
		return result{}, err
	}
	if b.Policy == nil {
		return result{}, errBadParameter("Property policy is required.")
	}
	if iss := b.Policy.Issuer; iss != nil && iss.Name != "" && !strings.EqualFold(iss.Name, "Self") {
		return result{}, errBadParameter("The emulator issues only self-signed certificates (issuer Self), not %q.", iss.Name)
	}
	m, err := newMeta(b.Attributes, b.Tags, c.now)
	if err != nil {
		return result{}, err
	}
	kv, der, value, contentType, err := c.issueSelfSigned(b.Policy)
	if err != nil {
		return result{}, err
	}
	policy := *b.Policy
	policy.Issuer = &certIssuer{Name: "Self"}
	c.v.mu.Lock()
	defer c.v.mu.Unlock()
	co, err := c.storeCertVersionLocked(der, kv, value, contentType, policy, m)
	if err != nil {
		return result{}, err
	}

	csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: mustParseCert(der).Subject}, kv.priv)
	if err != nil {
		return result{}, err
	}
	op := &certOperationJSON{
		ID: c.certID(co.name, "") + "/pending", Issuer: &certIssuer{Name: "Self"},
		CSR: base64.StdEncoding.EncodeToString(csr), Status: "completed",
		Target: c.certID(co.name, ""), RequestID: strings.ReplaceAll(uuid.NewString(), "-", ""),
	}
	co.pending = op
	return result{status: http.StatusAccepted, body: op, id: c.certID(co.name, "")}, nil
}

// storeCertVersionLocked adds a certificate version with its managed key
// and secret (same name, same version). The caller holds c.v.mu.
func (c *call) storeCertVersionLocked(der []byte, kv *keyVersion, value, contentType string, policy certPolicyJSON, m meta) (*certObj, error) {
	key := strings.ToLower(c.name)
	if c.v.deletedCerts[key] != nil {
		return nil, errDeletedConflict(kindCertificate, c.name)
	}
	if (c.v.keys[key] != nil && !c.v.keys[key].latest().managed) || (c.v.secrets[key] != nil && !c.v.secrets[key].latest().managed) ||
		c.v.deletedKeys[key] != nil || c.v.deletedSecrets[key] != nil {
		return nil, errConflict("A key or secret named %s already exists; a certificate cannot reuse the name.", c.name)
	}
	version := kv.version
	kv.meta, kv.managed = meta{enabled: true, created: m.created, updated: m.updated, tags: map[string]string{}}, true
	sv := &secretVersion{version: version, value: value, contentType: contentType, managed: true,
		meta: meta{enabled: true, created: m.created, updated: m.updated, tags: map[string]string{}}}
	co := c.v.certs[key]
	if co == nil {
		co = &certObj{name: c.name}
		c.v.certs[key] = co
	}
	co.versions = append(co.versions, &certVersion{version: version, der: der, policy: policy, meta: m})
	sv.kid = c.keyID(co.name, version)
	if c.v.keys[key] == nil {
		c.v.keys[key] = &keyObj{name: co.name}
	}
	c.v.keys[key].versions = append(c.v.keys[key].versions, kv)
	if c.v.secrets[key] == nil {
		c.v.secrets[key] = &secretObj{name: co.name}
	}
	c.v.secrets[key].versions = append(c.v.secrets[key].versions, sv)
	return co, nil
}

func (c *call) liveCert() (*certObj, error) {
	co := c.v.certs[strings.ToLower(c.name)]
	if co == nil {
		return nil, errNotFound(kindCertificate, c.name)
	}
	return co, nil
}

func certPendingGet(c *call) (result, error) {
	c.v.mu.Lock()
	defer c.v.mu.Unlock()
	co, err := c.liveCert()
	if err != nil {
		return result{}, err
	}
	if co.pending == nil {
		return result{}, &apiError{status: http.StatusNotFound, code: "PendingCertificateNotFound", message: "Pending certificate not found: " + c.name}
	}
	return result{status: http.StatusOK, body: co.pending, id: co.pending.ID}, nil
}

func certPolicyGet(c *call) (result, error) {
	c.v.mu.Lock()
	defer c.v.mu.Unlock()
	co, err := c.liveCert()
	if err != nil {
		return result{}, err
	}
	p := co.latest().policy
	p.ID = c.certID(co.name, "") + "/policy"
	return result{status: http.StatusOK, body: p, id: p.ID}, nil
}

// certVersionLocked is the live certificate the call names and the
// version it asks for (the latest for none), or Key Vault's 404. The
// caller holds c.v.mu.
func (c *call) certVersionLocked() (*certObj, *certVersion, error) {
	co, err := c.liveCert()
	if err != nil {
		return nil, nil, err
	}
	cv := co.find(c.version)
	if cv == nil {
		return nil, nil, errNotFound(kindCertificate, c.name+"/"+c.version)
	}
	return co, cv, nil
}

func certGet(c *call) (result, error) {
	c.v.mu.Lock()
	defer c.v.mu.Unlock()
	co, cv, err := c.certVersionLocked()
	if err != nil {
		return result{}, err
	}
	out := c.certBundle(co, cv, true)
	return result{status: http.StatusOK, body: out, id: out.ID}, nil
}

type certUpdateBody struct {
	Attributes *attributesJSON   `json:"attributes"`
	Tags       map[string]string `json:"tags"`
}

func certUpdate(c *call) (result, error) {
	var b certUpdateBody
	if err := decodeBody(c.body, &b); err != nil {
		return result{}, err
	}
	c.v.mu.Lock()
	defer c.v.mu.Unlock()
	co, cv, err := c.certVersionLocked()
	if err != nil {
		return result{}, err
	}
	m := cv.meta
	if err := m.apply(b.Attributes, b.Tags, c.now); err != nil {
		return result{}, err
	}
	cv.meta = m
	out := c.certBundle(co, cv, true)
	return result{status: http.StatusOK, body: out, id: out.ID}, nil
}
