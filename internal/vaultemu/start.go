package vaultemu

import (
	"crypto/tls"
	"net/http"
)

// NewServer makes and starts a plain-HTTP server, as httptest.NewServer
// does; Close stops it.
func NewServer(opts Options) (*Server, error) {
	s, err := New(opts)
	if err != nil {
		return nil, err
	}
	if err := s.Start(); err != nil {
		return nil, err
	}
	return s, nil
}

// NewTLSServer makes and starts an HTTPS server with a fresh CA, as
// httptest.NewTLSServer does; CertPool, CACertPEM and HTTPClient trust it.
func NewTLSServer(opts Options) (*Server, error) {
	s, err := New(opts)
	if err != nil {
		return nil, err
	}
	if err := s.StartTLS(); err != nil {
		return nil, err
	}
	return s, nil
}

// HTTPClient is a plain HTTP client for the server: it trusts the
// server's CA when started with TLS. Each call returns a new client.
func (s *Server) HTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	if pool := s.CertPool(); pool != nil {
		t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: t}
}
