package kvemu

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	pkcs12 "software.sslmate.com/src/go-pkcs12"
	"strings"
	"time"
)

// parseSubject reads a distinguished name like "CN=app, O=Contoso, C=US".
func parseSubject(s string) (pkix.Name, error) {
	var n pkix.Name
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || strings.TrimSpace(v) == "" {
			return n, errBadParameter("The subject %q is not a valid X.500 distinguished name.", s)
		}
		v = strings.TrimSpace(v)
		switch strings.ToUpper(strings.TrimSpace(k)) {
		case "CN":
			n.CommonName = v
		case "O":
			n.Organization = append(n.Organization, v)
		case "OU":
			n.OrganizationalUnit = append(n.OrganizationalUnit, v)
		case "L":
			n.Locality = append(n.Locality, v)
		case "S", "ST":
			n.Province = append(n.Province, v)
		case "C":
			n.Country = append(n.Country, v)
		case "E":
			// Kept only in the SANs; pkix has no e-mail attribute.
		default:
			return n, errBadParameter("The subject attribute %q is not supported.", k)
		}
	}
	return n, nil
}

// issueSelfSigned makes the key, certificate and secret value of a
// self-signed certificate version from its policy.
func (c *call) issueSelfSigned(p *certPolicyJSON) (*keyVersion, []byte, string, string, error) {
	x := p.X509Props
	if x == nil || (x.Subject == "" && (x.SANs == nil || len(x.SANs.DNSNames) == 0)) {
		return nil, nil, "", "", errBadParameter("The certificate policy needs x509_props with a subject or subject alternative names.")
	}
	kty, crv := "RSA", ""
	var size *int
	if kp := p.KeyProps; kp != nil {
		kty, crv, size = orDefault(kp.Kty, "RSA"), kp.Crv, kp.KeySize
	}
	c.v.mu.Lock()
	sku := c.v.sku
	c.v.mu.Unlock()
	kv, err := c.e.generateKey(kty, size, crv, nil, sku)
	if err != nil {
		return nil, nil, "", "", err
	}
	subject := pkix.Name{}
	if x.Subject != "" {
		if subject, err = parseSubject(x.Subject); err != nil {
			return nil, nil, "", "", err
		}
	}
	months := 12
	if x.ValidityMonths != nil {
		if *x.ValidityMonths < 1 || *x.ValidityMonths > 1200 {
			return nil, nil, "", "", errBadParameter("validity_months must be between 1 and 1200.")
		}
		months = *x.ValidityMonths
	}
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(), Subject: subject,
		NotBefore: c.now.Add(-5 * time.Minute), NotAfter: c.now.AddDate(0, months, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
	}
	if x.SANs != nil {
		tmpl.DNSNames, tmpl.EmailAddresses = x.SANs.DNSNames, x.SANs.Emails
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, kv.priv.Public(), kv.priv)
	if err != nil {
		return nil, nil, "", "", errBadParameter("The certificate could not be issued: %v", err)
	}
	cert, _ := x509.ParseCertificate(der)
	contentType := "application/x-pkcs12"
	if p.SecretProps != nil && p.SecretProps.ContentType != "" {
		contentType = p.SecretProps.ContentType
	}
	var value string
	switch contentType {
	case "application/x-pkcs12":
		pfx, err := pkcs12.Passwordless.Encode(kv.priv, cert, nil, "")
		if err != nil {
			return nil, nil, "", "", err
		}
		value = base64.StdEncoding.EncodeToString(pfx)
	case "application/x-pem-file":
		keyDER, err := x509.MarshalPKCS8PrivateKey(kv.priv)
		if err != nil {
			return nil, nil, "", "", err
		}
		value = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})) +
			string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	default:
		return nil, nil, "", "", errBadParameter("The content type %q is not supported: use application/x-pkcs12 or application/x-pem-file.", contentType)
	}
	return kv, der, value, contentType, nil
}

func mustParseCert(der []byte) *x509.Certificate {
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		panic(err) // der was just made by x509.CreateCertificate
	}
	return cert
}
