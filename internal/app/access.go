package app

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/honeyvault/honeyvault/internal/auth"
	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/store"
	"github.com/honeyvault/honeyvault/internal/web"
)

// access is identity and access assembled from the configuration.
type access struct {
	authn       *auth.Authenticator
	oidc        *auth.OIDC
	secure      bool
	loginLimit  *auth.Limiter
	ingestLimit *auth.Limiter
	// loginRefusals audits what loginLimit refuses in aggregate; the
	// server runs it (Refusals.Run) beside the HTTP server.
	loginRefusals *auth.Refusals
	tls           *tls.Config // nil: plain HTTP
}

// newAccess builds the authenticator (bootstrap tokens, API tokens and
// sessions in st), single sign-on, rate limits and TLS from cfg.
func newAccess(cfg config.Config, st *store.Store, log *slog.Logger) (*access, error) {
	a := &access{authn: &auth.Authenticator{
		Store:           st,
		IdleTimeout:     time.Duration(cfg.Session.IdleTimeout),
		AbsoluteTimeout: time.Duration(cfg.Session.AbsoluteTimeout),
		Log:             log,
	}}
	a.authn.AddBootstrap(cfg.AdminToken, auth.Admin)
	a.authn.AddBootstrap(cfg.IngestToken, auth.Ingest)
	a.authn.AddBootstrap(cfg.MetricsToken, auth.Metrics)
	if cfg.AdminToken == "" {
		log.Warn("no admin token configured: set HONEYVAULT_ADMIN_TOKEN for first sign-in and break-glass access")
	}
	if cfg.OIDC.Enabled() {
		roles := auth.RoleMap{Admin: cfg.OIDC.AdminGroups, Analyst: cfg.OIDC.AnalystGroups}
		for i, o := range cfg.OIDC.Owners {
			sc, err := auth.ParseScope(append(append([]string{}, o.Subscriptions...), o.Vaults...))
			if err != nil {
				return nil, fmt.Errorf("config: oidc.owners[%d]: %w", i, err)
			}
			roles.Owners = append(roles.Owners, auth.OwnerGrant{Group: o.Group, Scope: sc})
		}
		oidc, err := auth.NewOIDC(auth.OIDCConfig{
			Issuer: cfg.OIDC.Issuer, ClientID: cfg.OIDC.ClientID, ClientSecret: cfg.OIDC.ClientSecret,
			RedirectURL: cfg.OIDC.RedirectURL, AllowedTenants: cfg.OIDC.AllowedTenants,
			AllowedGroups: cfg.OIDC.AllowedGroups, Roles: roles,
		})
		if err != nil {
			return nil, fmt.Errorf("config: oidc: %w", err)
		}
		a.oidc = oidc
		log.Info("single sign-on enabled", "issuer", cfg.OIDC.Issuer)
	}
	rate, burst, _ := config.ParseRate(cfg.Limits.Login) // validated by config
	a.loginLimit = auth.NewLimiter(rate, burst)
	a.loginRefusals = &auth.Refusals{Store: st, Action: "auth.sign_in_rate_limited", What: "sign-in attempts", Log: log}
	rate, burst, _ = config.ParseRate(cfg.Limits.Ingest)
	a.ingestLimit = auth.NewLimiter(rate, burst)
	if cfg.TLS.Enabled() {
		certs, err := newCertReloader(cfg.TLS.CertFile, cfg.TLS.KeyFile, log)
		if err != nil {
			return nil, err
		}
		a.tls = &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: certs.get}
	}
	a.secure = a.tls != nil || strings.HasPrefix(strings.ToLower(cfg.ExternalURL), "https://")
	return a, nil
}

// apply sets the web options that identity and access own.
func (a *access) apply(o web.Options) web.Options {
	o.Auth = a.authn
	o.OIDC = a.oidc
	o.Secure = a.secure
	o.LoginLimit, o.IngestLimit, o.LoginRefusals = a.loginLimit, a.ingestLimit, a.loginRefusals
	return o
}

// sweepSessions deletes timed-out sessions now and then: they are refused
// anyway, this only keeps the table small.
func (a *access) sweepSessions(ctx context.Context) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := a.authn.SweepSessions(ctx); err != nil && ctx.Err() == nil {
				a.authn.Log.Warn("sessions: sweep failed", "err", err)
			} else if n > 0 {
				a.authn.Log.Debug("sessions: swept", "ended", n)
			}
		}
	}
}

// certReloader serves the certificate files and picks up a renewed pair
// without a restart: it checks the files' modification times at most once
// a minute.
type certReloader struct {
	certFile, keyFile string
	log               *slog.Logger

	mu      sync.Mutex
	cert    *tls.Certificate
	mod     time.Time
	checked time.Time
}

func newCertReloader(certFile, keyFile string, log *slog.Logger) (*certReloader, error) {
	c := &certReloader{certFile: certFile, keyFile: keyFile, log: log}
	if err := c.load(); err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	return c, nil
}

func (c *certReloader) load() error {
	cert, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		return fmt.Errorf("loading %s and %s: %w", c.certFile, c.keyFile, err)
	}
	c.cert, c.mod = &cert, c.modTime()
	return nil
}

func (c *certReloader) modTime() time.Time {
	var latest time.Time
	for _, f := range []string{c.certFile, c.keyFile} {
		if fi, err := os.Stat(f); err == nil && fi.ModTime().After(latest) {
			latest = fi.ModTime()
		}
	}
	return latest
}

func (c *certReloader) get(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := time.Now(); now.Sub(c.checked) >= time.Minute {
		c.checked = now
		if m := c.modTime(); m.After(c.mod) {
			if err := c.load(); err != nil {
				// Keep serving the old pair: a half-written renewal must not
				// take the console down.
				c.log.Warn("tls: keeping the current certificate", "err", err)
			} else {
				c.log.Info("tls: certificate reloaded", "file", c.certFile)
			}
		}
	}
	return c.cert, nil
}
