package kvemu

import (
	"crypto/rand"
	"crypto/tls"
	"math/big"
	"time"

	"github.com/honeyvault/honeyvault/internal/emucert"
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

// newCertAuthority makes a fresh CA and a leaf certificate for servedNames.
func newCertAuthority(now time.Time) (*emucert.Authority, error) {
	return emucert.New(now, "honeyvault kvemu CA", "*.vault.azure.net", servedNames)
}

// randomSerial is a certificate serial number (the certificates Key Vault
// issues have random ones).
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
