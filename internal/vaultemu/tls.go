package vaultemu

import (
	"time"

	"github.com/honeyvault/honeyvault/internal/emucert"
)

// newCertAuthority makes a fresh CA and a leaf for 127.0.0.1, ::1 and
// localhost.
func newCertAuthority(now time.Time) (*emucert.Authority, error) {
	return emucert.New(now, "honeyvault vaultemu CA", "vault.localhost", []string{"localhost", "vault.localhost"})
}
