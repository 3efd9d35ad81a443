package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// OIDC configures console sign-in with an OpenID Connect provider
// (Microsoft Entra ID or any other). Sign-in is on when Issuer is set.
type OIDC struct {
	Issuer       string `yaml:"issuer"`
	ClientID     string `yaml:"client_id"`
	ClientSecret string `yaml:"client_secret"`
	RedirectURL  string `yaml:"redirect_url"`
	// AllowedTenants are the Entra tenant ids ("tid" claim) accepted; empty: any.
	AllowedTenants []string `yaml:"allowed_tenants"`
	// AllowedGroups: a person needs one of these groups or app roles; empty: any.
	AllowedGroups []string `yaml:"allowed_groups"`
	// AdminGroups and AnalystGroups are the groups (object ids) or app role
	// values whose members get those roles.
	AdminGroups   []string `yaml:"admin_groups"`
	AnalystGroups []string `yaml:"analyst_groups"`
	// Owners make members of a group (or app role) owners of some
	// subscriptions and vaults. File only.
	Owners []OIDCOwner `yaml:"owners"`
}

// OIDCOwner maps a group or app role to a vault owner's scope.
type OIDCOwner struct {
	Group         string   `yaml:"group"`
	Subscriptions []string `yaml:"subscriptions"`
	Vaults        []string `yaml:"vaults"` // names or ARM ids
}

// Enabled reports whether OIDC sign-in is configured.
func (o OIDC) Enabled() bool { return o.Issuer != "" }

// Session bounds console sessions.
type Session struct {
	IdleTimeout     Duration `yaml:"idle_timeout"`
	AbsoluteTimeout Duration `yaml:"absolute_timeout"`
}

// TLS makes the server listen with HTTPS.
type TLS struct {
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
}

// Enabled reports whether TLS is configured.
func (t TLS) Enabled() bool { return t.CertFile != "" }

// Limits rate-limit sign-in attempts (per client address) and ingest
// requests (per token), as "N/DURATION": N at once, then N per DURATION.
// "off" turns a limit off. IngestConcurrent and IngestChunkRecords bound
// what HTTP ingest takes of the server (README: HTTP interface).
type Limits struct {
	Login  string `yaml:"login"`
	Ingest string `yaml:"ingest"`
	// IngestConcurrent is how many ingest requests are read and stored at
	// once (at most half of them bodies stored in chunks); more get
	// 429. It bounds the memory ingestion takes.
	IngestConcurrent int `yaml:"ingest_concurrent"`
	// IngestChunkRecords is how many records of a body a chunk holds, each
	// chunk durable before the next is stored: with the pipeline's bulk
	// group, what a decoy access arriving meanwhile may wait for.
	IngestChunkRecords int `yaml:"ingest_chunk_records"`
	// MemoryLimit is serve's soft memory limit (ParseMemoryLimit): ""
	// for 90 % of the cgroup's memory.max when there is one (else a target
	// following the live heap), "off", or a size. GOMEMLIMIT, when set,
	// wins over it.
	MemoryLimit string `yaml:"memory_limit"`
}

// ParseRate reads "N/DURATION" ("10/1m") into a burst of N and a rate per
// second; "off" (or "0") returns a zero rate, meaning no limit.
func ParseRate(s string) (perSecond float64, burst int, err error) {
	s = strings.TrimSpace(s)
	if s == "off" || s == "0" {
		return 0, 0, nil
	}
	n, per, ok := strings.Cut(s, "/")
	count, err := strconv.Atoi(n)
	if !ok || err != nil || count < 1 {
		return 0, 0, fmt.Errorf("%q: want N/DURATION like 10/1m, or off", s)
	}
	d, err := time.ParseDuration(per)
	if err != nil || d <= 0 {
		return 0, 0, fmt.Errorf("%q: want N/DURATION like 10/1m, or off", s)
	}
	return float64(count) / d.Seconds(), count, nil
}

// validateAccess checks the identity and access settings.
func (c *Config) validateAccess() error {
	if err := c.OIDC.validate(); err != nil {
		return err
	}
	if c.Session.IdleTimeout < Duration(time.Minute) {
		return &Error{Setting: "session.idle_timeout", Err: errors.New("must be at least 1m")}
	}
	if c.Session.AbsoluteTimeout < c.Session.IdleTimeout {
		return &Error{Setting: "session.absolute_timeout", Err: errors.New("must not be shorter than session.idle_timeout")}
	}
	if (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") {
		return &Error{Setting: "tls.key_file", Err: errors.New("set both tls.cert_file and tls.key_file, or neither")}
	}
	for key, v := range map[string]string{"limits.login": c.Limits.Login, "limits.ingest": c.Limits.Ingest} {
		if _, _, err := ParseRate(v); err != nil {
			return &Error{Setting: key, Err: err}
		}
	}
	if n := c.Limits.IngestConcurrent; n < 1 || n > 1000 {
		return &Error{Setting: "limits.ingest_concurrent", Err: fmt.Errorf("%d: want 1 to 1000", n)}
	}
	if n := c.Limits.IngestChunkRecords; n < 10 || n > 100_000 {
		return &Error{Setting: "limits.ingest_chunk_records", Err: fmt.Errorf("%d: want 10 to 100000", n)}
	}
	if _, err := ParseMemoryLimit(c.Limits.MemoryLimit); err != nil {
		return &Error{Setting: "limits.memory_limit", Err: err}
	}
	return nil
}

func (o *OIDC) validate() error {
	if !o.Enabled() {
		if o.ClientID != "" || o.RedirectURL != "" {
			return &Error{Setting: "oidc.issuer", Err: errors.New("required when oidc.client_id or oidc.redirect_url is set")}
		}
		return nil
	}
	u, err := url.Parse(o.Issuer)
	if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))) {
		return &Error{Setting: "oidc.issuer", Err: fmt.Errorf("%q: want an https URL (http only on loopback, for tests)", o.Issuer)}
	}
	if o.ClientID == "" {
		return &Error{Setting: "oidc.client_id", Err: errors.New("required with oidc.issuer")}
	}
	r, err := url.Parse(o.RedirectURL)
	if err != nil || r.Host == "" || (r.Scheme != "https" && r.Scheme != "http") || !strings.HasSuffix(r.Path, "/login/oidc/callback") {
		return &Error{Setting: "oidc.redirect_url", Err: fmt.Errorf("%q: want the console's URL followed by /login/oidc/callback", o.RedirectURL)}
	}
	if len(o.AdminGroups)+len(o.AnalystGroups)+len(o.Owners) == 0 {
		return &Error{Setting: "oidc.admin_groups", Err: errors.New("no role mapping: set oidc.admin_groups, oidc.analyst_groups or oidc.owners, or nobody can sign in")}
	}
	for i, ow := range o.Owners {
		p := fmt.Sprintf("oidc.owners[%d]", i)
		if strings.TrimSpace(ow.Group) == "" {
			return &Error{Setting: p + ".group", Err: errors.New("required: a group object id or app role value")}
		}
		if len(ow.Subscriptions)+len(ow.Vaults) == 0 {
			return &Error{Setting: p + ".vaults", Err: errors.New("an owner needs subscriptions or vaults")}
		}
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// normalize makes empty lists the same as absent ones.
func (o *OIDC) normalize() {
	for _, l := range []*[]string{&o.AllowedTenants, &o.AllowedGroups, &o.AdminGroups, &o.AnalystGroups} {
		if len(*l) == 0 {
			*l = nil
		}
	}
	if len(o.Owners) == 0 {
		o.Owners = nil
	}
}
