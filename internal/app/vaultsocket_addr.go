package app

import (
	"net"

	"github.com/honeyvault/honeyvault/internal/ingest/vaultsocket"
)

// VaultSocketAddr returns the address the Vault socket source named name
// listens on: nil until it listens (its first poll, once Serve runs) or
// when there is no such source. A configuration may ask for port 0; this
// is how whoever enables Vault's socket device learns the port (the lab).
func (s *Server) VaultSocketAddr(name string) net.Addr {
	for _, r := range s.sources {
		if src, ok := r.Poller.(*vaultsocket.Source); ok && r.Name == name {
			return src.Addr()
		}
	}
	return nil
}
