package kvemu

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/honeyvault/honeyvault/internal/emucert"
)

// DefaultTenantID is the tenant of vaults and identities that name none.
const DefaultTenantID = "72f988bf-86f1-41af-91ab-2d7cd011db47"

// Options configure an Emulator. The zero value is a valid configuration.
type Options struct {
	// Addr is the TCP address to listen on; empty means "127.0.0.1:0"
	// (a free port). Tests must keep to 127.0.0.1.
	Addr string
	// TenantID is the default tenant of vaults; empty means DefaultTenantID.
	TenantID string
	// Now returns the current time; nil means time.Now. It stamps objects,
	// tokens and audit records and drives the throttling windows, so a test
	// can move time on without sleeping.
	Now func() time.Time
	// PageSize is how many items a list page holds when the client sends no
	// maxresults; zero means 25, Key Vault's default and maximum.
	PageSize int
	// URIClaims spells identity claims in audit records the long way
	// (http://schemas.microsoft.com/identity/claims/objectidentifier, ...)
	// instead of oid/upn/appid; Azure uses both spellings.
	URIClaims bool
	// ReuseRSAKeys makes RSA keys (and certificates' keys) come from a
	// small pool of real, pregenerated-on-demand keys per size instead of
	// a fresh key each time: generating an RSA-2048 key costs about 170 ms
	// on a small machine, too slow for estates of thousands of keys. Every
	// operation still works; keys are just not unique.
	ReuseRSAKeys bool
	// Logger receives the emulator's own diagnostics (never secret values);
	// nil discards them.
	Logger *slog.Logger
}

// Emulator is an emulated Azure estate: subscriptions, resource groups and
// key vaults, served over one TLS listener. Create it with New, then Start.
// All methods are safe for concurrent use.
type Emulator struct {
	opts      Options
	ca        *emucert.Authority
	tokenKey  []byte // HMAC key of minted bearer tokens
	backupKey []byte // AES key sealing backup blobs
	log       *slog.Logger

	mu           sync.RWMutex
	subs         map[string]*subscription // by lower-case subscription id
	vaults       map[string]*vault        // by lower-case vault name (names are global)
	roles        []RoleAssignment
	denied       map[string]bool         // lower-case object ids refused every management change (see DenyManagement)
	diagUnread   map[string]bool         // lower-case object ids refused diagnostic-settings reads (see DenyDiagnosticsRead)
	destinations map[string]*destination // by lower-case destination resource id
	mounts       map[string]*mount       // services beyond Key Vault, by lower-case host

	delivery *dispatcher
	apps     apps           // client credentials for the emulated token endpoint
	signIns  signIns        // canary apps whose sign-ins are logged (signin.go)
	activity activityStore  // recent Activity-log events for the REST API
	regions  regionLimiters // subscription-wide limits per region

	poolMu  sync.Mutex
	rsaPool map[int][]*rsa.PrivateKey // by size, when ReuseRSAKeys
	poolIdx int

	lnMu      sync.Mutex
	ln        net.Listener
	srv       *http.Server
	transport *http.Transport // shared by HTTPClient's clients
}

// New makes an emulator with an empty estate and a fresh CA. It does not
// listen until Start.
func New(opts Options) (*Emulator, error) {
	if opts.TenantID == "" {
		opts.TenantID = DefaultTenantID
	}
	if opts.PageSize <= 0 || opts.PageSize > 25 {
		opts.PageSize = 25
	}
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	e := &Emulator{
		opts:         opts,
		tokenKey:     randomBytes(32),
		backupKey:    randomBytes(32),
		subs:         map[string]*subscription{},
		vaults:       map[string]*vault{},
		destinations: map[string]*destination{},
		log:          opts.Logger,
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	ca, err := newCertAuthority(e.Now())
	if err != nil {
		return nil, err
	}
	e.ca = ca
	e.delivery = newDispatcher(e.log)
	return e, nil
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return b
}

// Now reads the emulator's clock (Options.Now, in UTC).
func (e *Emulator) Now() time.Time {
	if e.opts.Now != nil {
		return e.opts.Now().UTC()
	}
	return time.Now().UTC()
}

// Start listens on Options.Addr and serves in the background.
func (e *Emulator) Start() error {
	e.lnMu.Lock()
	defer e.lnMu.Unlock()
	if e.ln != nil {
		return errors.New("kvemu: already started")
	}
	ln, err := net.Listen("tcp", e.opts.Addr)
	if err != nil {
		return fmt.Errorf("kvemu: listen: %w", err)
	}
	e.srv = &http.Server{
		Handler:           e,
		ReadHeaderTimeout: 10 * time.Second,
		TLSConfig: &tls.Config{
			Certificates: []tls.Certificate{e.ca.Leaf},
			MinVersion:   tls.VersionTLS12,
		},
		ErrorLog: slog.NewLogLogger(e.log.Handler(), slog.LevelDebug),
	}
	e.ln = ln
	go func() {
		if err := e.srv.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			e.log.Error("kvemu: serve", "err", err)
		}
	}()
	return nil
}

// Addr is the listener's address ("127.0.0.1:port"); empty before Start.
func (e *Emulator) Addr() string {
	e.lnMu.Lock()
	defer e.lnMu.Unlock()
	if e.ln == nil {
		return ""
	}
	return e.ln.Addr().String()
}

// Close stops the listener, delivers the records still queued (waiting for
// their delivery delay, at most 10 s). Sinks stay open: their owners close
// them.
func (e *Emulator) Close() error {
	e.lnMu.Lock()
	srv := e.srv
	e.lnMu.Unlock()
	var errs []error
	e.lnMu.Lock()
	if e.transport != nil {
		e.transport.CloseIdleConnections()
	}
	e.lnMu.Unlock()
	if srv != nil {
		// HTTP/2 connections linger up to a second after GOAWAY; an
		// emulator need not wait for them once in-flight requests are done.
		ctx, cancel := context.WithTimeout(context.Background(), 250*time.Millisecond)
		if err := srv.Shutdown(ctx); err != nil {
			if err := srv.Close(); err != nil {
				errs = append(errs, err)
			}
		}
		cancel()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.delivery.close(ctx); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// TenantID is the tenant of vaults and identities that name none
// (Options.TenantID).
func (e *Emulator) TenantID() string { return e.opts.TenantID }

// WriteCACert writes the CA certificate (PEM) into dir as kvemu-ca.pem and
// returns the file's path.
func (e *Emulator) WriteCACert(dir string) (string, error) {
	path := filepath.Join(dir, "kvemu-ca.pem")
	if err := os.WriteFile(path, e.ca.CAPEM, 0o644); err != nil {
		return "", fmt.Errorf("kvemu: write CA: %w", err)
	}
	return path, nil
}

// rsaPoolSize is how many distinct keys per size ReuseRSAKeys keeps.
const rsaPoolSize = 4

// rsaKey returns an RSA key of bits: fresh, or from the pool.
func (e *Emulator) rsaKey(bits int) (*rsa.PrivateKey, error) {
	if !e.opts.ReuseRSAKeys {
		return rsa.GenerateKey(rand.Reader, bits)
	}
	e.poolMu.Lock()
	defer e.poolMu.Unlock()
	if e.rsaPool == nil {
		e.rsaPool = map[int][]*rsa.PrivateKey{}
	}
	e.poolIdx++
	if len(e.rsaPool[bits]) < rsaPoolSize {
		k, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			return nil, err
		}
		e.rsaPool[bits] = append(e.rsaPool[bits], k)
		return k, nil
	}
	return e.rsaPool[bits][e.poolIdx%rsaPoolSize], nil
}
