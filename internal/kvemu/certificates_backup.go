package kvemu

import (
	"net/http"
	"strings"
)

func init() {
	handle("POST", "certificates/restore", certSpec("CertificateRestore", "restore", "certificates/restore/action", classSecretCreate, certRestore))
	handle("POST", "certificates/{name}/backup", certSpec("CertificateBackup", "backup", "certificates/backup/action", classOther, certBackup))
}

// certBackupPayload is a certificate with its key and secret inside a
// sealed backup blob.
type certBackupPayload struct {
	Name     string              `json:"name"`
	Versions []certBackupVersion `json:"versions"`
	Key      keyBackupPayload    `json:"key"`
	Secret   secretBackupPayload `json:"secret"`
}

type certBackupVersion struct {
	Version string         `json:"version"`
	DER     []byte         `json:"der"`
	Policy  certPolicyJSON `json:"policy"`
	Meta    backupMeta     `json:"meta"`
}

func certBackup(c *call) (result, error) {
	c.v.mu.Lock()
	key := strings.ToLower(c.name)
	co, k, s := c.v.certs[key], c.v.keys[key], c.v.secrets[key]
	if co == nil || k == nil || s == nil {
		c.v.mu.Unlock()
		return result{}, errNotFound(kindCertificate, c.name)
	}
	kp, err := keyBackupOf(k)
	if err != nil {
		c.v.mu.Unlock()
		return result{}, err
	}
	p := certBackupPayload{Name: co.name, Key: kp, Secret: secretBackupOf(s)}
	for _, cv := range co.versions {
		p.Versions = append(p.Versions, certBackupVersion{Version: cv.version, DER: cv.der, Policy: cv.policy, Meta: cv.meta.backup()})
	}
	id := c.certID(co.name, "")
	c.v.mu.Unlock()
	blob, err := c.e.sealBackup(kindCertificate, c.v.sub, p)
	if err != nil {
		return result{}, err
	}
	return result{status: http.StatusOK, body: backupResultJSON{Value: blob}, id: id}, nil
}

func certRestore(c *call) (result, error) {
	var b backupResultJSON
	if err := decodeBody(c.body, &b); err != nil {
		return result{}, err
	}
	var p certBackupPayload
	if err := c.e.openBackup(b.Value, kindCertificate, c.v.sub, &p); err != nil {
		return result{}, err
	}
	if len(p.Versions) == 0 || len(p.Key.Versions) == 0 || len(p.Secret.Versions) == 0 {
		return result{}, errBadParameter("Backup blob holds no versions.")
	}
	co := &certObj{name: p.Name}
	for _, bv := range p.Versions {
		co.versions = append(co.versions, &certVersion{version: bv.Version, der: bv.DER, policy: bv.Policy, meta: bv.Meta.meta()})
	}
	k, err := p.Key.restore(true)
	if err != nil {
		return result{}, err
	}
	s := p.Secret.restore(true)
	c.v.mu.Lock()
	defer c.v.mu.Unlock()
	key := strings.ToLower(p.Name)
	if c.v.certs[key] != nil || c.v.keys[key] != nil || c.v.secrets[key] != nil {
		return result{}, errConflict("Certificate %s already exists.", p.Name)
	}
	if c.v.deletedCerts[key] != nil || c.v.deletedKeys[key] != nil || c.v.deletedSecrets[key] != nil {
		return result{}, errDeletedConflict(kindCertificate, p.Name)
	}
	for _, sv := range s.versions {
		sv.kid = c.keyID(p.Name, sv.version)
	}
	c.v.certs[key], c.v.keys[key], c.v.secrets[key] = co, k, s
	out := c.certBundle(co, co.latest(), true)
	return result{status: http.StatusOK, body: out, id: out.ID}, nil
}
