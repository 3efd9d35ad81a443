package kvemu

import (
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"net/http"
	"strings"

	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

func init() {
	handle("POST", "certificates/{name}/import", certSpec("CertificateImport", "import", "certificates/import/action", classSecretCreate, certImport))
}

type certImportBody struct {
	Value      string            `json:"value"` // base64 PFX, or PEM text
	Password   string            `json:"pwd"`
	Policy     *certPolicyJSON   `json:"policy"`
	Attributes *attributesJSON   `json:"attributes"`
	Tags       map[string]string `json:"tags"`
}

// parseImportedCert reads a PFX (base64) or PEM certificate with its
// private key; Key Vault refuses imports without the key.
func parseImportedCert(b certImportBody, contentType string) (crypto.Signer, *x509.Certificate, error) {
	if contentType == "application/x-pem-file" || strings.HasPrefix(strings.TrimSpace(b.Value), "-----BEGIN") {
		var key crypto.Signer
		var cert *x509.Certificate
		rest := []byte(b.Value)
		for {
			var blk *pem.Block
			blk, rest = pem.Decode(rest)
			if blk == nil {
				break
			}
			switch blk.Type {
			case "CERTIFICATE":
				if cert == nil {
					c, err := x509.ParseCertificate(blk.Bytes)
					if err != nil {
						return nil, nil, errBadParameter("The X.509 PEM certificate content is not valid.")
					}
					cert = c
				}
			case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY":
				k, err := parsePrivateKey(blk.Bytes)
				if err != nil {
					return nil, nil, errBadParameter("The private key in the PEM content is not valid.")
				}
				key = k
			}
		}
		if cert == nil {
			return nil, nil, errBadParameter("No certificate was found in the X.509 PEM certificate content.")
		}
		if key == nil {
			return nil, nil, errBadParameter("Private key is not specified in the specified X.509 PEM certificate content. Please specify private key in the X.509 PEM certificate content.")
		}
		return key, cert, nil
	}
	pfx, err := base64.StdEncoding.DecodeString(b.Value)
	if err != nil {
		return nil, nil, errBadParameter("The certificate content is neither base64 PFX nor PEM.")
	}
	priv, cert, _, err := pkcs12.DecodeChain(pfx, b.Password)
	if err != nil {
		return nil, nil, errBadParameter("The specified PEM X.509 certificate content can not be read. Please check if certificate is in valid PFX format: %v", err)
	}
	key, ok := priv.(crypto.Signer)
	if !ok {
		return nil, nil, errBadParameter("Private key is not specified in the specified PFX content.")
	}
	return key, cert, nil
}

func parsePrivateKey(der []byte) (crypto.Signer, error) {
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		if s, ok := k.(crypto.Signer); ok {
			return s, nil
		}
	}
	if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return k, nil
	}
	return x509.ParseECPrivateKey(der)
}

// certImport imports a certificate with its private key as a new version,
// with the managed key and secret of the same name.
func certImport(c *call) (result, error) {
	var b certImportBody
	if err := decodeBody(c.body, &b); err != nil {
		return result{}, err
	}
	if b.Value == "" {
		return result{}, errBadParameter("Property value is required.")
	}
	contentType := "application/x-pkcs12"
	if b.Policy != nil && b.Policy.SecretProps != nil && b.Policy.SecretProps.ContentType != "" {
		contentType = b.Policy.SecretProps.ContentType
	}
	priv, cert, err := parseImportedCert(b, contentType)
	if err != nil {
		return result{}, err
	}
	m, err := newMeta(b.Attributes, b.Tags, c.now)
	if err != nil {
		return result{}, err
	}
	kv := &keyVersion{version: newVersion(), priv: priv}
	if pub, ok := priv.Public().(interface{ Equal(crypto.PublicKey) bool }); ok && !pub.Equal(cert.PublicKey) {
		return result{}, errBadParameter("The private key does not match the certificate.")
	}
	kv.kty, kv.keyOps = "RSA", rsaKeyOps
	if ec, ok := ecCurveName(priv); ok {
		kv.kty, kv.crv, kv.keyOps = "EC", ec, ecKeyOps
	}
	kv.keyOps = append([]string(nil), kv.keyOps...)
	value := b.Value
	if contentType == "application/x-pkcs12" && !strings.HasPrefix(strings.TrimSpace(b.Value), "-----BEGIN") {
		// Key Vault keeps the PFX without the import password.
		pfx, err := pkcs12.Passwordless.Encode(priv, cert, nil, "")
		if err != nil {
			return result{}, err
		}
		value = base64.StdEncoding.EncodeToString(pfx)
	}
	policy := certPolicyJSON{Issuer: &certIssuer{Name: "Unknown"}, SecretProps: &certSecretProps{ContentType: contentType},
		X509Props: &certX509Props{Subject: cert.Subject.String()}, KeyProps: &certKeyProps{Kty: kv.kty}}
	c.v.mu.Lock()
	defer c.v.mu.Unlock()
	co, err := c.storeCertVersionLocked(cert.Raw, kv, value, contentType, policy, m)
	if err != nil {
		return result{}, err
	}
	out := c.certBundle(co, co.latest(), true)
	return result{status: http.StatusOK, body: out, id: out.ID}, nil
}
