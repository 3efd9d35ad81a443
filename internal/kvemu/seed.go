package kvemu

import (
	"encoding/json"
	"fmt"
	"time"
)

// Seeding puts objects straight into a vault, as if they had been there
// before logging began: no audit record, no throttling, no permission
// check. Tests and the lab build their starting estate with it.

// SecretSeed describes a secret to seed.
type SecretSeed struct {
	Name        string
	Value       string
	ContentType string
	Tags        map[string]string
	Disabled    bool
	NotBefore   time.Time // zero means none
	Expires     time.Time // zero means none
}

// KeySeed describes a key to seed.
type KeySeed struct {
	Name     string
	Type     string   // RSA (default), EC, RSA-HSM, EC-HSM
	Size     int      // RSA bits; zero means 2048
	Curve    string   // EC curve; empty means P-256
	Ops      []string // key_ops; nil means the type's defaults
	Tags     map[string]string
	Disabled bool
	Expires  time.Time
}

// CertificateSeed describes a self-signed certificate to seed.
type CertificateSeed struct {
	Name           string
	Subject        string // e.g. "CN=app.contoso.com"; required unless DNSNames is set
	DNSNames       []string
	ValidityMonths int    // zero means 12
	KeyType        string // RSA (default) or EC
	KeySize        int
	ContentType    string // application/x-pkcs12 (default) or application/x-pem-file
	Tags           map[string]string
}

func seedAttributes(disabled bool, nbf, exp time.Time) *attributesJSON {
	enabled := !disabled
	a := &attributesJSON{Enabled: &enabled}
	if !nbf.IsZero() {
		n := nbf.Unix()
		a.NotBefore = &n
	}
	if !exp.IsZero() {
		x := exp.Unix()
		a.Expires = &x
	}
	return a
}

// seed runs an operation's handler directly.
func (e *Emulator) seed(vaultName, name string, run func(*call) (result, error), body any) (string, error) {
	v, err := e.vaultNamed(vaultName)
	if err != nil {
		return "", err
	}
	if !objectNameRE.MatchString(name) {
		return "", fmt.Errorf("kvemu: invalid object name %q", name)
	}
	b, err := json.Marshal(body)
	if err != nil {
		return "", err
	}
	res, err := run(&call{e: e, v: v, name: name, body: b, now: e.Now()})
	if err != nil {
		return "", fmt.Errorf("kvemu: seed %s in %s: %w", name, vaultName, err)
	}
	return res.id, nil
}

// SeedSecret adds a version of a secret and returns its id
// (https://{vault}.vault.azure.net/secrets/{name}/{version}).
func (e *Emulator) SeedSecret(vaultName string, s SecretSeed) (string, error) {
	return e.seed(vaultName, s.Name, secretSet, secretSetBody{
		Value: &s.Value, ContentType: s.ContentType, Tags: s.Tags,
		Attributes: seedAttributes(s.Disabled, s.NotBefore, s.Expires),
	})
}

// SeedKey adds a version of a key with fresh key material and returns its
// kid.
func (e *Emulator) SeedKey(vaultName string, k KeySeed) (string, error) {
	body := keyCreateBody{Kty: orDefault(k.Type, "RSA"), Crv: k.Curve, KeyOps: k.Ops, Tags: k.Tags, Attributes: seedAttributes(k.Disabled, time.Time{}, k.Expires)}
	if k.Size != 0 {
		body.KeySize = &k.Size
	}
	return e.seed(vaultName, k.Name, keyCreate, body)
}

// SeedCertificate issues a self-signed certificate with its key and secret
// and returns the certificate's id (without version).
func (e *Emulator) SeedCertificate(vaultName string, c CertificateSeed) (string, error) {
	p := &certPolicyJSON{
		KeyProps:    &certKeyProps{Kty: orDefault(c.KeyType, "RSA")},
		SecretProps: &certSecretProps{ContentType: orDefault(c.ContentType, "application/x-pkcs12")},
		X509Props:   &certX509Props{Subject: c.Subject},
		Issuer:      &certIssuer{Name: "Self"},
	}
	if c.KeySize != 0 {
		p.KeyProps.KeySize = &c.KeySize
	}
	if c.ValidityMonths != 0 {
		p.X509Props.ValidityMonths = &c.ValidityMonths
	}
	if len(c.DNSNames) > 0 {
		p.X509Props.SANs = &certSANs{DNSNames: c.DNSNames}
	}
	return e.seed(vaultName, c.Name, certCreate, certCreateBody{Policy: p, Tags: c.Tags})
}
