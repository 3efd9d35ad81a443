package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
)

// Canary configures canary values (README: "Canary values"): which kinds
// of tripwire the planter puts into decoy secrets' values, and the
// listeners serve runs to catch their use. Everything is off by default.
type Canary struct {
	// Kinds are the kinds the planter uses: http, dns, postgres. Empty:
	// decoy values carry no canary.
	Kinds    []string       `yaml:"kinds"`
	HTTP     CanaryHTTP     `yaml:"http"`
	DNS      CanaryDNS      `yaml:"dns"`
	Postgres CanaryPostgres `yaml:"postgres"`
}

// CanaryHTTP is the HTTP listener: canary values are URLs under PublicURL.
type CanaryHTTP struct {
	Listen    string `yaml:"listen"`     // host:port; "": no listener
	PublicURL string `yaml:"public_url"` // base URL the world reaches the listener at
}

// CanaryDNS is the authoritative DNS listener of a delegated zone:
// canary values name hosts under Zone.
type CanaryDNS struct {
	Listen string `yaml:"listen"` // host:port (UDP and TCP); "": no listener
	Zone   string `yaml:"zone"`   // the zone delegated to it
	// NS are the zone's name servers' names, as the parent zone's NS
	// records name them (dnscanary.Config.NS); at least one with Listen.
	NS []string `yaml:"ns"`
}

// CanaryPostgres is the PostgreSQL wire-protocol listener: canary values
// are connection strings whose server is PublicHost.
type CanaryPostgres struct {
	Listen     string `yaml:"listen"`      // host:port; "": no listener
	PublicHost string `yaml:"public_host"` // host[:port] the world reaches it at
}

// CanaryKinds lists the kinds canary.kinds takes.
var CanaryKinds = []string{"http", "dns", "postgres"}

// publicName is the setting that names where a kind's values point.
func (c Canary) publicName(kind string) (setting, value string) {
	switch kind {
	case "http":
		return "canary.http.public_url", c.HTTP.PublicURL
	case "dns":
		return "canary.dns.zone", c.DNS.Zone
	}
	return "canary.postgres.public_host", c.Postgres.PublicHost
}

func (c Canary) validate() error {
	for i, k := range c.Kinds {
		if !slices.Contains(CanaryKinds, k) {
			return &Error{Setting: "canary.kinds", Err: fmt.Errorf("%q: want %s", k, strings.Join(CanaryKinds, ", "))}
		}
		if slices.Contains(c.Kinds[:i], k) {
			return &Error{Setting: "canary.kinds", Err: fmt.Errorf("%q listed twice", k)}
		}
		if setting, v := c.publicName(k); strings.TrimSpace(v) == "" {
			return &Error{Setting: setting, Err: fmt.Errorf("empty, but canary.kinds plants %s canaries: their values must point somewhere the listener answers", k)}
		}
	}
	for setting, addr := range map[string]string{"canary.http.listen": c.HTTP.Listen, "canary.dns.listen": c.DNS.Listen, "canary.postgres.listen": c.Postgres.Listen} {
		if addr == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return &Error{Setting: setting, Err: fmt.Errorf("%q is not host:port", addr)}
		}
	}
	if u := c.HTTP.PublicURL; u != "" {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.User != nil || p.RawQuery != "" || p.Fragment != "" {
			return &Error{Setting: "canary.http.public_url", Err: fmt.Errorf("%q: want http(s)://HOST[:PORT][/PATH], no credentials, query or fragment", u)}
		}
	}
	if z := c.DNS.Zone; z != "" && !dnsName(z) {
		return &Error{Setting: "canary.dns.zone", Err: fmt.Errorf("%q: want a DNS zone such as svc.contoso-ops.net", z)}
	}
	for _, ns := range c.DNS.NS {
		if !dnsName(ns) {
			return &Error{Setting: "canary.dns.ns", Err: fmt.Errorf("%q: want a host name such as ns1.contoso-ops.net", ns)}
		}
	}
	if c.DNS.Listen != "" && c.DNS.Zone == "" {
		return &Error{Setting: "canary.dns.zone", Err: errors.New("empty, but canary.dns.listen is set: the listener answers for this zone only")}
	}
	if c.DNS.Listen != "" && len(c.DNS.NS) == 0 {
		return &Error{Setting: "canary.dns.ns", Err: errors.New("empty, but canary.dns.listen is set: name the zone's name servers as the parent zone's NS records do")}
	}
	if h := c.Postgres.PublicHost; h != "" && strings.ContainsAny(h, "/@?#; ") {
		return &Error{Setting: "canary.postgres.public_host", Err: fmt.Errorf("%q: want HOST or HOST:PORT", h)}
	}
	return nil
}

// dnsName reports whether s is a name of two or more DNS labels (a final
// dot allowed).
func dnsName(s string) bool {
	labels := strings.Split(strings.TrimSuffix(strings.ToLower(s), "."), ".")
	if len(labels) < 2 || len(s) > 253 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' || strings.Trim(l, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
			return false
		}
	}
	return true
}
