package awsemu

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"sync"
	"time"

	"github.com/honeyvault/honeyvault/internal/emucert"
)

// DefaultAccountID is the account emulated when Options names none.
const DefaultAccountID = "123456789012"

// DefaultRegions are the regions emulated when Options names none.
var DefaultRegions = []string{"us-east-1", "eu-west-1"}

// Options configure an Emulator. The zero value is a valid configuration.
type Options struct {
	// Addr is the TCP address to listen on; empty means "127.0.0.1:0"
	// (a free port). Tests must keep to 127.0.0.1.
	Addr string
	// AccountID is the emulated account's 12-digit id; empty means
	// DefaultAccountID.
	AccountID string
	// Regions are the regions served (the region comes from each request's
	// SigV4 credential scope); empty means DefaultRegions.
	Regions []string
	// Now returns the current time; nil means time.Now. It stamps secrets,
	// versions and CloudTrail records and ends recovery windows, so a test
	// can move time on without sleeping.
	Now func() time.Time
	// PageSize is how many secrets a ListSecrets page holds when the
	// client sends no MaxResults; zero means 100, the API's maximum.
	PageSize int
	// LegacyARNSpelling makes write records' responseElements spell the
	// ARN "aRN", as CloudTrail did before February 2024 ("arn" since).
	LegacyARNSpelling bool
	// Logger receives the emulator's own diagnostics (never secret values;
	// secret names only at debug level); nil discards them.
	Logger *slog.Logger
}

var accountIDRE = regexp.MustCompile(`^[0-9]{12}$`)
var regionRE = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`)

// Emulator is one emulated AWS account's Secrets Manager in several
// regions, with IAM-like principals and CloudTrail delivery. Create it with
// New, then Start. All methods are safe for concurrent use.
type Emulator struct {
	opts Options
	ca   *emucert.Authority
	log  *slog.Logger

	mu      sync.Mutex
	regions map[string]*regionStore // by region name
	users   map[string]*user        // IAM users by name
	roles   map[string]*role        // IAM roles by name
	keys    map[string]*accessKey   // by access key id

	delivery *dispatcher

	lnMu      sync.Mutex
	ln        net.Listener
	srv       *http.Server
	transport *http.Transport
}

// New makes an emulator with no secrets and no principals. It does not
// listen until Start.
func New(opts Options) (*Emulator, error) {
	if opts.AccountID == "" {
		opts.AccountID = DefaultAccountID
	}
	if !accountIDRE.MatchString(opts.AccountID) {
		return nil, fmt.Errorf("awsemu: account id %q is not 12 digits", opts.AccountID)
	}
	if len(opts.Regions) == 0 {
		opts.Regions = DefaultRegions
	}
	if opts.PageSize <= 0 || opts.PageSize > 100 {
		opts.PageSize = 100
	}
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	e := &Emulator{
		opts:    opts,
		log:     opts.Logger,
		regions: map[string]*regionStore{},
		users:   map[string]*user{},
		roles:   map[string]*role{},
		keys:    map[string]*accessKey{},
	}
	for _, r := range opts.Regions {
		if !regionRE.MatchString(r) {
			return nil, fmt.Errorf("awsemu: %q is not a region name", r)
		}
		e.regions[r] = newRegionStore()
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	// Real time, not Options.Now: clients check the certificate against
	// their own clock, and a test's clock may be set years away.
	ca, err := newCertAuthority(time.Now(), opts.Regions)
	if err != nil {
		return nil, err
	}
	e.ca = ca
	e.delivery = newDispatcher(e.log)
	return e, nil
}

// AccountID is the emulated account's id.
func (e *Emulator) AccountID() string { return e.opts.AccountID }

// Regions are the emulated regions.
func (e *Emulator) Regions() []string { return append([]string(nil), e.opts.Regions...) }

// Now reads the emulator's clock (Options.Now, in UTC).
func (e *Emulator) Now() time.Time {
	if e.opts.Now != nil {
		return e.opts.Now().UTC()
	}
	return time.Now().UTC()
}

// Start listens on Options.Addr and serves HTTPS in the background.
func (e *Emulator) Start() error {
	e.lnMu.Lock()
	defer e.lnMu.Unlock()
	if e.ln != nil {
		return errors.New("awsemu: already started")
	}
	ln, err := net.Listen("tcp", e.opts.Addr)
	if err != nil {
		return fmt.Errorf("awsemu: listen: %w", err)
	}
	e.srv = &http.Server{
		Handler:           e,
		ReadHeaderTimeout: 10 * time.Second,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{e.ca.Leaf}, MinVersion: tls.VersionTLS12},
		ErrorLog:          slog.NewLogLogger(e.log.Handler(), slog.LevelDebug),
	}
	e.ln = ln
	go func() {
		if err := e.srv.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			e.log.Error("awsemu: serve", "err", err)
		}
	}()
	return nil
}

// URL is the endpoint every region is served on, "https://127.0.0.1:port"
// (the SDK's BaseEndpoint); empty before Start.
func (e *Emulator) URL() string {
	e.lnMu.Lock()
	defer e.lnMu.Unlock()
	if e.ln == nil {
		return ""
	}
	return "https://" + e.ln.Addr().String()
}

// HTTPClient returns a client that trusts the emulator's CA (pass it to
// the SDK with config.WithHTTPClient). All clients share one transport.
func (e *Emulator) HTTPClient() *http.Client {
	e.lnMu.Lock()
	defer e.lnMu.Unlock()
	if e.transport == nil {
		e.transport = &http.Transport{
			TLSClientConfig:     &tls.Config{RootCAs: e.ca.Pool, MinVersion: tls.VersionTLS12},
			ForceAttemptHTTP2:   true,
			MaxIdleConnsPerHost: 16,
			IdleConnTimeout:     30 * time.Second,
		}
	}
	return &http.Client{Transport: e.transport}
}

// CACertPEM is the PEM of the CA that signed the listener's certificate.
func (e *Emulator) CACertPEM() []byte { return append([]byte(nil), e.ca.CAPEM...) }

// Close stops the listener and delivers the records still queued (sinks
// that buffer are flushed), waiting at most until ctx ends.
func (e *Emulator) Close(ctx context.Context) error {
	e.lnMu.Lock()
	srv, tr := e.srv, e.transport
	e.lnMu.Unlock()
	var errs []error
	if tr != nil {
		tr.CloseIdleConnections()
	}
	if srv != nil {
		sctx, cancel := context.WithTimeout(ctx, 250*time.Millisecond)
		if err := srv.Shutdown(sctx); err != nil {
			if err := srv.Close(); err != nil {
				errs = append(errs, err)
			}
		}
		cancel()
	}
	errs = append(errs, e.Flush(ctx), e.delivery.close(ctx))
	return errors.Join(errs...)
}
