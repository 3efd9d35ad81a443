package app

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/config"
)

// writeCert writes a self-signed certificate for 127.0.0.1 and returns the
// file paths and a pool trusting it.
func writeCert(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "honeyvault test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	cfg := config.Default()
	cfg.DB = "sqlite:" + filepath.Join(dir, "hv.db")
	var pool *x509.CertPool
	cfg.TLS.CertFile, cfg.TLS.KeyFile, pool = writeCert(t, dir)
	srv := serveInBackground(t, cfg, nil)
	defer func() {
		if err := srv.stop(); err != nil {
			t.Errorf("Serve: %v", err)
		}
	}()

	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := c.Get("https://" + srv.addr + "/login")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS == nil || resp.TLS.Version < tls.VersionTLS12 {
		t.Fatalf("got %d over %v", resp.StatusCode, resp.TLS)
	}
	if resp.Header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS over TLS")
	}
	for _, ck := range resp.Cookies() {
		if !ck.Secure {
			t.Errorf("cookie %s not Secure over TLS", ck.Name)
		}
	}
	// Plain HTTP to the TLS port gets nothing useful.
	if resp, err := http.Get(srv.url("/healthz")); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Error("plain HTTP served on the TLS listener")
		}
	}
}

func TestNewRefusesBadAccessSettings(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name  string
		edit  func(*config.Config)
		inErr string
	}{
		{"missing certificate", func(c *config.Config) {
			c.TLS.CertFile, c.TLS.KeyFile = filepath.Join(dir, "none.pem"), filepath.Join(dir, "none.key")
		}, "none.pem"},
		{"bad owner scope", func(c *config.Config) {
			c.OIDC = config.OIDC{Issuer: "https://login.microsoftonline.com/t/v2.0", ClientID: "a",
				RedirectURL: "https://hv.example.com/login/oidc/callback",
				Owners:      []config.OIDCOwner{{Group: "g", Vaults: []string{"not a vault"}}}}
		}, "oidc.owners[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config.Default()
			cfg.DB = "sqlite:" + filepath.Join(t.TempDir(), "hv.db")
			tt.edit(&cfg)
			_, err := New(context.Background(), cfg, slog.New(slog.DiscardHandler))
			if err == nil || !strings.Contains(err.Error(), tt.inErr) {
				t.Errorf("got %v; want an error naming %q", err, tt.inErr)
			}
		})
	}
}
