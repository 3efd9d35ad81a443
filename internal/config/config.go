// Package config holds honeyvault's settings and reads them from three places
// with the precedence flag > HONEYVAULT_* environment variable > YAML file >
// default. Every setting is declared once, in schema.go, with its YAML key,
// its environment variable, its flag and its documentation; the example file
// honeyvault.example.yaml at the repository root shows them all.
//
// The zero Config is not valid; start from Default().
package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// Config is every setting of honeyvault serve (and the verbs that share it).
type Config struct {
	Listen      string `yaml:"listen"`
	DB          string `yaml:"db"`
	ExternalURL string `yaml:"external_url"`
	// TrustedProxies are the reverse proxies (addresses or CIDRs) whose
	// X-Forwarded-For honeyvault believes for sign-in rate limits and the
	// audit trail.
	TrustedProxies []string  `yaml:"trusted_proxies"`
	Watchlist      []string  `yaml:"watchlist"`
	AdminToken     string    `yaml:"admin_token"`
	IngestToken    string    `yaml:"ingest_token"`
	MetricsToken   string    `yaml:"metrics_token"`
	Log            Log       `yaml:"log"`
	Notify         Notify    `yaml:"notify"`
	Incidents      Incidents `yaml:"incidents"`
	Shutdown       Duration  `yaml:"shutdown_timeout"`
	Retention      Duration  `yaml:"retention"`
	// RetentionInterval is how often events past Retention are removed.
	RetentionInterval Duration `yaml:"retention_interval"`
	Allow             []Allow  `yaml:"allow"`
	// DecoySync is how often the detection index picks up decoys that other
	// processes (replicas, the plant and watchlist verbs) added or retired.
	DecoySync Duration `yaml:"decoy_sync_interval"`
	// Ingest lists the live sources (Event Hubs, storage, Log Analytics,
	// files); see ingest.go.
	Ingest Ingest `yaml:"ingest"`
	// OIDC, Session, TLS and Limits are identity and access; see access.go.
	OIDC    OIDC    `yaml:"oidc"`
	Session Session `yaml:"session"`
	TLS     TLS     `yaml:"tls"`
	Limits  Limits  `yaml:"limits"`
	// Plant configures planting, retiring and reconciling decoys; see plant.go.
	Plant Plant `yaml:"plant"`
	// Inventory configures vault discovery for coverage; see inventory.go.
	Inventory Inventory `yaml:"inventory"`
	// Reconcile configures serve's scheduled drift check; see reconcile.go.
	Reconcile Reconcile `yaml:"reconcile"`
	// KVReview configures the KVReview tag flow; see kvreview.go.
	KVReview KVReview `yaml:"kvreview"`
	// Heartbeat configures serve's per-vault heartbeats; see heartbeat.go.
	Heartbeat Heartbeat `yaml:"heartbeat"`
	// Diagnostics configures serve's diagnostic-settings check; see
	// diagnostics.go.
	Diagnostics Diagnostics `yaml:"diagnostics"`
	// Canary configures canary values and their listeners; see canary.go.
	Canary Canary `yaml:"canary"`
	// Cluster configures how replicas sharing a database hand work over.
	Cluster Cluster `yaml:"cluster"`
	// Vault and AWS are the secret stores beyond Key Vault that plant,
	// retire, reconcile and discovery reach; see secretstores.go.
	Vault Vault `yaml:"vault"`
	AWS   AWS   `yaml:"aws"`
}

// Cluster configures the leases of replicas sharing one database.
type Cluster struct {
	// LeaseTTL is how long a lease (the scheduler's, a pull source's)
	// lasts unrenewed: a replica that dies or is paused hands its work over
	// within it. Holders renew every third of it.
	LeaseTTL Duration `yaml:"lease_ttl"`
}

// Allow is an allow-list rule: accesses by this identity do not alert
// (they are still recorded as suppressed hits).
type Allow struct {
	Identity   string    `yaml:"identity"`   // object id, app id or UPN
	Operations []string  `yaml:"operations"` // operation names or classes; empty: all
	Expires    time.Time `yaml:"expires"`    // zero: never
	Note       string    `yaml:"note"`
}

// Log configures structured logging.
type Log struct {
	Format string `yaml:"format"` // text or json
	Level  string `yaml:"level"`  // debug, info, warn or error
}

// Default returns the settings honeyvault uses when nothing is configured.
func Default() Config {
	return Config{
		Listen:            "127.0.0.1:8080",
		DB:                "sqlite:./honeyvault.db",
		Log:               Log{Format: "text", Level: "info"},
		Shutdown:          Duration(15 * time.Second),
		Retention:         Duration(30 * 24 * time.Hour),
		Cluster:           Cluster{LeaseTTL: Duration(30 * time.Second)},
		RetentionInterval: Duration(10 * time.Minute),
		Session:           Session{IdleTimeout: Duration(time.Hour), AbsoluteTimeout: Duration(12 * time.Hour)},
		Limits:            Limits{Login: "10/1m", Ingest: "1000/1s", IngestConcurrent: 8, IngestChunkRecords: 250},
		Plant:             DefaultPlant(),
		Inventory:         DefaultInventory(),
		Reconcile:         DefaultReconcile(),
		Heartbeat:         DefaultHeartbeat(),
		Diagnostics:       DefaultDiagnostics(),
		KVReview:          DefaultKVReview(),
		DecoySync:         Duration(5 * time.Second),
		Incidents: Incidents{
			GroupBy:       []string{"vault", "caller"},
			GroupWindow:   Duration(5 * time.Hour),
			BatchInterval: Duration(30 * time.Second),
		},
	}
}

// Error is a setting that is wrong: which one, and why.
type Error struct {
	Setting string // the YAML key, e.g. "log.level"
	Source  string // where the value came from: flag --x, env HONEYVAULT_X, file F
	Err     error
}

// Error formats the error for people.
func (e *Error) Error() string {
	if e.Source != "" {
		return fmt.Sprintf("config: %s (from %s): %v", e.Setting, e.Source, e.Err)
	}
	return fmt.Sprintf("config: %s: %v", e.Setting, e.Err)
}

// Unwrap returns the underlying error, for errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Err }

// Validate checks every setting and returns the first that is wrong.
func (c *Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return &Error{Setting: "listen", Err: fmt.Errorf("%q is not host:port", c.Listen)}
	}
	if _, _, err := SplitDSN(c.DB); err != nil {
		return &Error{Setting: "db", Err: err}
	}
	if c.ExternalURL != "" {
		u, err := url.Parse(c.ExternalURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return &Error{Setting: "external_url", Err: fmt.Errorf("%q is not an http(s) URL", c.ExternalURL)}
		}
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		return &Error{Setting: "log.format", Err: fmt.Errorf("%q: want text or json", c.Log.Format)}
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return &Error{Setting: "log.level", Err: fmt.Errorf("%q: want debug, info, warn or error", c.Log.Level)}
	}
	for name, tok := range map[string]string{"admin_token": c.AdminToken, "ingest_token": c.IngestToken, "metrics_token": c.MetricsToken} {
		if tok != "" && len(tok) < 16 {
			return &Error{Setting: name, Err: errors.New("too short: use at least 16 characters (e.g. openssl rand -hex 32)")}
		}
	}
	if c.AdminToken != "" && c.AdminToken == c.IngestToken {
		return &Error{Setting: "ingest_token", Err: errors.New("must differ from admin_token")}
	}
	if c.MetricsToken != "" && (c.MetricsToken == c.AdminToken || c.MetricsToken == c.IngestToken) {
		return &Error{Setting: "metrics_token", Err: errors.New("must differ from admin_token and ingest_token")}
	}
	if err := c.Notify.validate(); err != nil {
		return err
	}
	if err := c.Incidents.validate(); err != nil {
		return err
	}
	if c.Shutdown <= 0 {
		return &Error{Setting: "shutdown_timeout", Err: errors.New("must be positive")}
	}
	if c.Retention < Duration(time.Hour) {
		return &Error{Setting: "retention", Err: errors.New("must be at least 1h")}
	}
	if _, err := c.TrustedProxyPrefixes(); err != nil {
		return &Error{Setting: "trusted_proxies", Err: err}
	}
	if c.RetentionInterval < Duration(100*time.Millisecond) {
		return &Error{Setting: "retention_interval", Err: errors.New("must be at least 100ms")}
	}
	if c.Cluster.LeaseTTL < Duration(time.Second) {
		return &Error{Setting: "cluster.lease_ttl", Err: errors.New("must be at least 1s")}
	}
	if c.DecoySync < Duration(100*time.Millisecond) {
		return &Error{Setting: "decoy_sync_interval", Err: errors.New("must be at least 100ms")}
	}
	for i, a := range c.Allow {
		if strings.TrimSpace(a.Identity) == "" {
			return &Error{Setting: fmt.Sprintf("allow[%d].identity", i), Err: errors.New("empty: want an object id, app id or UPN")}
		}
	}
	if err := c.Ingest.validate(); err != nil {
		return err
	}
	if err := c.validateAccess(); err != nil {
		return err
	}
	if err := c.Plant.Validate(); err != nil {
		return err
	}
	if err := c.Inventory.validate(); err != nil {
		return err
	}
	if err := c.Diagnostics.validate(); err != nil {
		return err
	}
	if err := c.Reconcile.validate(); err != nil {
		return err
	}
	if err := c.KVReview.validate(); err != nil {
		return err
	}
	if err := c.Canary.validate(); err != nil {
		return err
	}
	if err := c.Vault.validate(); err != nil {
		return err
	}
	if err := c.AWS.validate(); err != nil {
		return err
	}
	return c.validateHeartbeat()
}

// SplitDSN splits a database setting into its driver ("sqlite" or
// "postgres") and the string that driver understands.
func SplitDSN(dsn string) (driver, rest string, err error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		rest = strings.TrimPrefix(dsn, "sqlite:")
		if rest == "" {
			return "", "", fmt.Errorf("%q has no file path: want sqlite:PATH", dsn)
		}
		return "sqlite", rest, nil
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		if _, err := url.Parse(dsn); err != nil {
			return "", "", fmt.Errorf("bad PostgreSQL URL: %v", errors.Unwrap(err))
		}
		return "postgres", dsn, nil
	}
	return "", "", fmt.Errorf("%q: want sqlite:PATH or postgres://USER@HOST/DB", redactURL(dsn))
}

// redactURL hides a password or query token in a URL before it is shown.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		if i := strings.IndexAny(s, "@?"); i >= 0 {
			return s[:i] + "…"
		}
		return s
	}
	return u.Redacted()
}

// TrustedProxyPrefixes parses TrustedProxies; a bare address is a prefix of
// one address.
func (c *Config) TrustedProxyPrefixes() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range c.TrustedProxies {
		if p, err := netip.ParsePrefix(v); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(v)
		if err != nil {
			return nil, fmt.Errorf("%q is not an IP address or CIDR (e.g. 10.0.0.0/8)", v)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}
