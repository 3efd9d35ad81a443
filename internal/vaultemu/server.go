package vaultemu

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/honeyvault/honeyvault/internal/emucert"
)

// Options configure a Server. The zero value is a valid configuration: a
// dev-mode-like server with one KV v2 mount, "secret/".
type Options struct {
	// Addr is the TCP address to listen on; empty means "127.0.0.1:0"
	// (a free port). Tests must keep to 127.0.0.1.
	Addr string
	// Mounts are the KV v2 mounts to create ("kv/", "kv/team-a/"); empty
	// means one mount, "secret/", as `vault server -dev` has.
	Mounts []string
	// ClusterName is what sys/health reports as cluster_name (a planter
	// may name the server by it); empty means "vault-cluster-vaultemu".
	ClusterName string
	// RootToken is the root token's value; empty means a random "hvs."
	// token (see Server.RootToken).
	RootToken string
	// Now returns the current time; nil means time.Now. It stamps versions,
	// tokens and audit entries, so a test can move time without sleeping.
	Now func() time.Time
	// MaxRequestSize bounds a request body (Vault's listener
	// max_request_size); zero means 32 MiB, Vault's default.
	MaxRequestSize int64
	// TrustForwardedFor takes the client's address from the first entry
	// of X-Forwarded-For when a request has one, as Vault does for peers
	// listed in x_forwarded_for_authorized_addrs; the lab uses it to give
	// its callers distinct addresses on loopback.
	TrustForwardedFor bool
	// Logger receives the server's own diagnostics (never a token, a secret
	// value or a secret path above debug); nil discards them.
	Logger *slog.Logger
}

// Server is an emulated Vault/OpenBao server: KV v2 mounts, tokens and
// policies, audit devices. Create it with New, then Start or StartTLS.
// All methods are safe for concurrent use.
type Server struct {
	opts Options
	log  *slog.Logger
	ca   *emucert.Authority

	mu       sync.Mutex
	mounts   map[string]*mount         // by path with trailing slash
	tokens   map[string]*Token         // by token value
	policies map[string][]compiledRule // by policy name
	root     *Token
	headers  auditedHeaders // request headers audit entries carry

	audit auditBroker

	lnMu   sync.Mutex
	ln     net.Listener
	srv    *http.Server
	scheme string
}

// New makes a server with the mounts of opts and a root token. It does not
// listen until Start or StartTLS.
func New(opts Options) (*Server, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.ClusterName == "" {
		opts.ClusterName = "vault-cluster-vaultemu"
	}
	if opts.MaxRequestSize <= 0 {
		opts.MaxRequestSize = defaultMaxRequestSize
	}
	s := &Server{
		opts:     opts,
		log:      opts.Logger,
		mounts:   map[string]*mount{},
		tokens:   map[string]*Token{},
		policies: map[string][]compiledRule{},
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.audit.devices = map[string]*auditDevice{}
	mounts := opts.Mounts
	if len(mounts) == 0 {
		mounts = []string{"secret/"}
	}
	for _, m := range mounts {
		if err := s.AddMount(m, MountOptions{}); err != nil {
			return nil, err
		}
	}
	root, err := s.newToken(TokenOptions{ID: opts.RootToken, DisplayName: "root", Policies: []string{"root"}, NoDefaultPolicy: true})
	if err != nil {
		return nil, err
	}
	s.root = root
	return s, nil
}

// Now reads the server's clock (Options.Now, in UTC).
func (s *Server) Now() time.Time {
	if s.opts.Now != nil {
		return s.opts.Now().UTC()
	}
	return time.Now().UTC()
}

// RootToken is the value of the root token (policy "root": every
// capability on every path).
func (s *Server) RootToken() string { return s.root.ID }

// Start listens on Options.Addr and serves plain HTTP in the background.
func (s *Server) Start() error { return s.start(false) }

// StartTLS listens on Options.Addr and serves HTTPS in the background,
// with a certificate for 127.0.0.1 and localhost signed by a fresh CA that
// CertPool and CACertPEM return.
func (s *Server) StartTLS() error { return s.start(true) }

func (s *Server) start(useTLS bool) error {
	s.lnMu.Lock()
	defer s.lnMu.Unlock()
	if s.ln != nil {
		return errors.New("vaultemu: already started")
	}
	ln, err := net.Listen("tcp", s.opts.Addr)
	if err != nil {
		return fmt.Errorf("vaultemu: listen: %w", err)
	}
	s.srv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	s.scheme = "http"
	if useTLS {
		ca, err := newCertAuthority(s.Now())
		if err != nil {
			ln.Close()
			return err
		}
		s.ca = ca
		s.scheme = "https"
		s.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{ca.Leaf}, MinVersion: tls.VersionTLS12}
		ln = tls.NewListener(ln, s.srv.TLSConfig)
	}
	s.ln = ln
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("vaultemu: serve", "err", err)
		}
	}()
	return nil
}

// URL is the server's base address ("https://127.0.0.1:port"), the
// client's VAULT_ADDR; empty before Start.
func (s *Server) URL() string {
	s.lnMu.Lock()
	defer s.lnMu.Unlock()
	if s.ln == nil {
		return ""
	}
	return s.scheme + "://" + s.ln.Addr().String()
}

// CertPool holds the CA that signed the TLS certificate; nil unless
// started with StartTLS.
func (s *Server) CertPool() *x509.CertPool {
	s.lnMu.Lock()
	defer s.lnMu.Unlock()
	if s.ca == nil {
		return nil
	}
	return s.ca.Pool
}

// CACertPEM is that CA in PEM (for api.TLSConfig.CACertBytes or
// VAULT_CACERT); nil unless started with StartTLS.
func (s *Server) CACertPEM() []byte {
	s.lnMu.Lock()
	defer s.lnMu.Unlock()
	if s.ca == nil {
		return nil
	}
	return s.ca.CAPEM
}

// Close stops the listener and closes every audit device.
func (s *Server) Close() error {
	s.lnMu.Lock()
	srv := s.srv
	s.lnMu.Unlock()
	var errs []error
	if srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		if err := srv.Shutdown(ctx); err != nil {
			errs = append(errs, srv.Close())
		}
		cancel()
	}
	errs = append(errs, s.audit.closeAll())
	return errors.Join(errs...)
}
