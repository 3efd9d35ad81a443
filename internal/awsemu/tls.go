package awsemu

import (
	"crypto/tls"
	"time"

	"github.com/honeyvault/honeyvault/internal/emucert"
)

// newCertAuthority makes a fresh CA and a leaf for 127.0.0.1, localhost
// and each region's real Secrets Manager host, so a client that dials the
// listener under the real name also verifies.
func newCertAuthority(now time.Time, regions []string) (*emucert.Authority, error) {
	names := []string{"localhost"}
	for _, r := range regions {
		names = append(names, "secretsmanager."+r+".amazonaws.com")
	}
	return emucert.New(now, "honeyvault awsemu CA", names[len(names)-1], names)
}

// tlsDetails is CloudTrail's record of the caller's TLS session.
type tlsDetails struct {
	TLSVersion               string `json:"tlsVersion"`
	CipherSuite              string `json:"cipherSuite"`
	ClientProvidedHostHeader string `json:"clientProvidedHostHeader"`
}

// newTLSDetails spells a connection state the way CloudTrail does
// ("TLSv1.3", the IANA suite name); nil without TLS.
func newTLSDetails(cs *tls.ConnectionState, host string) *tlsDetails {
	if cs == nil {
		return nil
	}
	v := "TLSv1.2"
	if cs.Version == tls.VersionTLS13 {
		v = "TLSv1.3"
	}
	return &tlsDetails{TLSVersion: v, CipherSuite: tls.CipherSuiteName(cs.CipherSuite), ClientProvidedHostHeader: host}
}
