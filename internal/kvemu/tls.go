package kvemu

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"time"
)

// servedNames are the DNS names the emulator's leaf certificate covers: the
// vault hosts of the public and sovereign clouds, the ARM hosts, the login
// host and the hosts services of other packages may mount (so an
// out-of-process client can trust one certificate).
var servedNames = append([]string{
	"*.vault.azure.net", "vault.azure.net",
	"*.vault.azure.cn", "vault.azure.cn",
	"*.vault.usgovcloudapi.net", "vault.usgovcloudapi.net",
	"management.azure.com", "management.chinacloudapi.cn", "management.usgovcloudapi.net",
	"login.microsoftonline.com",
	"localhost",
}, mountableHosts...)

// mountableHosts are the hosts Mount accepts: the certificate is made
// before anything is mounted, so it lists them in advance. Today they are
// the Log Analytics query API's and the lab's data collection endpoint for
// the Logs Ingestion API (internal/kvemu/loganalytics).
var mountableHosts = []string{"api.loganalytics.io", "api.loganalytics.azure.com", "dce-honeyvault-lab.westeurope-1.ingest.monitor.azure.com"}

// certAuthority is the emulator's generated CA and the leaf it signed.
type certAuthority struct {
	caPEM []byte
	pool  *x509.CertPool
	leaf  tls.Certificate
}

// newCertAuthority makes a fresh CA and a leaf certificate for servedNames.
// Both use ECDSA P-256, which is quick to generate for every test.
func newCertAuthority(now time.Time) (*certAuthority, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("kvemu: generate CA key: %w", err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{CommonName: "honeyvault kvemu CA", Organization: []string{"honeyvault"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("kvemu: create CA certificate: %w", err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, fmt.Errorf("kvemu: parse CA certificate: %w", err)
	}

	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("kvemu: generate leaf key: %w", err)
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{CommonName: "*.vault.azure.net"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(2 * 365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     servedNames,
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, caCert, &leafKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("kvemu: create leaf certificate: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	return &certAuthority{
		caPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		pool:  pool,
		leaf:  tls.Certificate{Certificate: [][]byte{leafDER, caDER}, PrivateKey: leafKey},
	}, nil
}

func randomSerial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return n
}

// tlsVersionName spells a TLS version the way Key Vault logs it.
func tlsVersionName(v uint16) string {
	switch v {
	case tls.VersionTLS13:
		return "TLS1_3"
	case tls.VersionTLS12:
		return "TLS1_2"
	}
	return ""
}
