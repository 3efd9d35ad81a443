package config

import (
	"errors"
	"strings"
	"testing"
)

// Canary settings: off by default and valid; a kind planted needs its
// public name; bad addresses, URLs and names get an error naming the
// setting.
func TestCanaryValidation(t *testing.T) {
	ok := Canary{Kinds: []string{"http", "dns", "postgres"},
		HTTP:     CanaryHTTP{Listen: "0.0.0.0:8443", PublicURL: "https://hooks.contoso-ops.net/in"},
		DNS:      CanaryDNS{Listen: "0.0.0.0:53", Zone: "svc.contoso-ops.net", NS: []string{"ns1.contoso-ops.net"}},
		Postgres: CanaryPostgres{Listen: "0.0.0.0:5432", PublicHost: "pg.contoso-ops.net:5432"}}
	tests := []struct {
		name    string
		edit    func(c *Canary)
		setting string // "" when valid
		inMsg   string
	}{
		{"default", func(c *Canary) { *c = Canary{} }, "", ""},
		{"all on", func(c *Canary) {}, "", ""},
		{"unknown kind", func(c *Canary) { c.Kinds = []string{"smtp"} }, "canary.kinds", "want http, dns, postgres"},
		{"kind twice", func(c *Canary) { c.Kinds = []string{"dns", "dns"} }, "canary.kinds", "twice"},
		{"http without URL", func(c *Canary) { c.HTTP.PublicURL = "" }, "canary.http.public_url", "canary.kinds plants http"},
		{"dns without zone", func(c *Canary) { c.DNS = CanaryDNS{} }, "canary.dns.zone", "canary.kinds plants dns"},
		{"postgres without host", func(c *Canary) { c.Postgres.PublicHost = "" }, "canary.postgres.public_host", "canary.kinds plants postgres"},
		{"listener without zone", func(c *Canary) { c.Kinds = nil; c.DNS.Zone = "" }, "canary.dns.zone", "canary.dns.listen"},
		{"bad listen", func(c *Canary) { c.HTTP.Listen = "8443" }, "canary.http.listen", "host:port"},
		{"ftp URL", func(c *Canary) { c.HTTP.PublicURL = "ftp://x.contoso-ops.net" }, "canary.http.public_url", "http(s)"},
		{"URL with credentials", func(c *Canary) { c.HTTP.PublicURL = "https://u:p@x.contoso-ops.net" }, "canary.http.public_url", "no credentials"},
		{"bad zone", func(c *Canary) { c.DNS.Zone = "svc_x" }, "canary.dns.zone", "DNS zone"},
		{"bad ns", func(c *Canary) { c.DNS.NS = []string{"-ns"} }, "canary.dns.ns", "host name"},
		{"listener without ns", func(c *Canary) { c.DNS.NS = nil }, "canary.dns.ns", "canary.dns.listen"},
		{"bad host", func(c *Canary) { c.Postgres.PublicHost = "u@pg.contoso-ops.net" }, "canary.postgres.public_host", "HOST:PORT"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			c.Canary = ok
			c.Canary.Kinds = append([]string(nil), ok.Kinds...)
			tc.edit(&c.Canary)
			err := c.Validate()
			if tc.setting == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ce *Error
			if !errors.As(err, &ce) || ce.Setting != tc.setting || !strings.Contains(err.Error(), tc.inMsg) {
				t.Errorf("got %v; want an error on %s saying %q", err, tc.setting, tc.inMsg)
			}
		})
	}
}

// canary.kinds comes from the environment too, comma-separated.
func TestCanaryKindsFromEnv(t *testing.T) {
	c, err := Load(newFlags(t), envOf(map[string]string{
		"HONEYVAULT_CANARY_KINDS": "dns,postgres", "HONEYVAULT_CANARY_DNS_ZONE": "svc.contoso-ops.net",
		"HONEYVAULT_CANARY_POSTGRES_PUBLIC_HOST": "pg.contoso-ops.net",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.Canary.Kinds, ",") != "dns,postgres" || c.Canary.DNS.Zone != "svc.contoso-ops.net" {
		t.Errorf("got %+v", c.Canary)
	}
	if _, err := Load(newFlags(t), envOf(map[string]string{"HONEYVAULT_CANARY_KINDS": "dns"})); err == nil {
		t.Error("dns canaries without a zone loaded")
	}
}
