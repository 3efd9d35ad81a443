package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestAccessSettingsFromEnvironment(t *testing.T) {
	c, err := Load(newFlags(t, "--tls-cert-file", "/etc/hv/cert.pem", "--tls-key-file", "/etc/hv/key.pem"), envOf(map[string]string{
		"HONEYVAULT_OIDC_ISSUER":              "https://login.microsoftonline.com/t1/v2.0",
		"HONEYVAULT_OIDC_CLIENT_ID":           "app-1",
		"HONEYVAULT_OIDC_CLIENT_SECRET":       "s3cret",
		"HONEYVAULT_OIDC_REDIRECT_URL":        "https://hv.example.com/login/oidc/callback",
		"HONEYVAULT_OIDC_ALLOWED_TENANTS":     "t1, t2",
		"HONEYVAULT_OIDC_ADMIN_GROUPS":        "HoneyVault.Admin",
		"HONEYVAULT_SESSION_IDLE_TIMEOUT":     "15m",
		"HONEYVAULT_SESSION_ABSOLUTE_TIMEOUT": "8h",
		"HONEYVAULT_LIMITS_LOGIN":             "5/1m",
		"HONEYVAULT_LIMITS_INGEST":            "off",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.OIDC.AllowedTenants, []string{"t1", "t2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("allowed tenants: got %q; want %q", got, want)
	}
	if !c.OIDC.Enabled() || c.OIDC.ClientSecret != "s3cret" || c.OIDC.AdminGroups[0] != "HoneyVault.Admin" {
		t.Errorf("oidc: %+v", c.OIDC)
	}
	if c.Session.IdleTimeout != Duration(15*time.Minute) || c.Session.AbsoluteTimeout != Duration(8*time.Hour) {
		t.Errorf("session: %+v", c.Session)
	}
	if !c.TLS.Enabled() || c.TLS.KeyFile != "/etc/hv/key.pem" {
		t.Errorf("tls: %+v", c.TLS)
	}
	if c.Limits.Login != "5/1m" || c.Limits.Ingest != "off" {
		t.Errorf("limits: %+v", c.Limits)
	}
}

func TestOIDCOwnersFromFile(t *testing.T) {
	file := writeFile(t, `oidc:
  issuer: https://login.microsoftonline.com/t1/v2.0
  client_id: app-1
  redirect_url: https://hv.example.com/login/oidc/callback
  owners:
    - group: grp-pay
      vaults: [kv-pay]
`)
	c, err := Load(newFlags(t, "--config", file), envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.OIDC.Owners) != 1 || c.OIDC.Owners[0].Group != "grp-pay" || c.OIDC.Owners[0].Vaults[0] != "kv-pay" {
		t.Errorf("owners: %+v", c.OIDC.Owners)
	}
}

func TestBadAccessSettingsNameTheSetting(t *testing.T) {
	oidc := map[string]string{
		"HONEYVAULT_OIDC_ISSUER":       "https://login.microsoftonline.com/t1/v2.0",
		"HONEYVAULT_OIDC_CLIENT_ID":    "app-1",
		"HONEYVAULT_OIDC_REDIRECT_URL": "https://hv.example.com/login/oidc/callback",
		"HONEYVAULT_OIDC_ADMIN_GROUPS": "g",
	}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range oidc {
			m[a] = b
		}
		m[k] = v
		return m
	}
	tests := []struct {
		name    string
		env     map[string]string
		file    string
		setting string
		inMsg   string
	}{
		{name: "client id without issuer", env: map[string]string{"HONEYVAULT_OIDC_CLIENT_ID": "x"}, setting: "oidc.issuer", inMsg: "required"},
		{name: "http issuer", env: with("HONEYVAULT_OIDC_ISSUER", "http://login.example.com"), setting: "oidc.issuer", inMsg: "https"},
		{name: "no client id", env: with("HONEYVAULT_OIDC_CLIENT_ID", ""), setting: "oidc.client_id", inMsg: "required"},
		{name: "wrong redirect path", env: with("HONEYVAULT_OIDC_REDIRECT_URL", "https://hv.example.com/callback"), setting: "oidc.redirect_url", inMsg: "/login/oidc/callback"},
		{name: "no role mapping", env: with("HONEYVAULT_OIDC_ADMIN_GROUPS", ""), setting: "oidc.admin_groups", inMsg: "nobody can sign in"},
		{name: "owner without scope", file: "oidc:\n  issuer: https://idp.example.com\n  client_id: a\n  redirect_url: https://hv/login/oidc/callback\n  owners:\n    - group: g\n", setting: "oidc.owners[0].vaults", inMsg: "subscriptions or vaults"},
		{name: "short idle", env: map[string]string{"HONEYVAULT_SESSION_IDLE_TIMEOUT": "10s"}, setting: "session.idle_timeout", inMsg: "1m"},
		{name: "absolute below idle", env: map[string]string{"HONEYVAULT_SESSION_IDLE_TIMEOUT": "2h", "HONEYVAULT_SESSION_ABSOLUTE_TIMEOUT": "1h"}, setting: "session.absolute_timeout", inMsg: "shorter"},
		{name: "cert without key", env: map[string]string{"HONEYVAULT_TLS_CERT_FILE": "c.pem"}, setting: "tls.key_file", inMsg: "both"},
		{name: "bad rate", env: map[string]string{"HONEYVAULT_LIMITS_LOGIN": "ten per minute"}, setting: "limits.login", inMsg: "N/DURATION"},
		{name: "zero duration rate", env: map[string]string{"HONEYVAULT_LIMITS_INGEST": "5/0s"}, setting: "limits.ingest", inMsg: "N/DURATION"},
		{name: "no ingest at all", env: map[string]string{"HONEYVAULT_LIMITS_INGEST_CONCURRENT": "0"}, setting: "limits.ingest_concurrent", inMsg: "1 to 1000"},
		{name: "tiny chunks", file: "limits:\n  ingest_chunk_records: 1\n", setting: "limits.ingest_chunk_records", inMsg: "10 to 100000"},
		{name: "chunk not a number", env: map[string]string{"HONEYVAULT_LIMITS_INGEST_CHUNK_RECORDS": "lots"}, setting: "limits.ingest_chunk_records", inMsg: "whole number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var args []string
			if tt.file != "" {
				args = append(args, "--config", writeFile(t, tt.file))
			}
			_, err := Load(newFlags(t, args...), envOf(tt.env))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("got %v; want a *config.Error", err)
			}
			if got, want := ce.Setting, tt.setting; got != want {
				t.Errorf("setting: got %q; want %q (%v)", got, want, err)
			}
			if !strings.Contains(err.Error(), tt.inMsg) {
				t.Errorf("error %q does not mention %q", err, tt.inMsg)
			}
		})
	}
}

func TestParseRate(t *testing.T) {
	tests := []struct {
		in        string
		perSecond float64
		burst     int
		wantErr   bool
	}{
		{in: "10/1m", perSecond: 10.0 / 60, burst: 10},
		{in: "1000/1s", perSecond: 1000, burst: 1000},
		{in: " off ", perSecond: 0},
		{in: "0", perSecond: 0},
		{in: "", wantErr: true},
		{in: "10", wantErr: true},
		{in: "-1/1s", wantErr: true},
		{in: "10/-1s", wantErr: true},
		{in: "10/minute", wantErr: true},
	}
	for _, tt := range tests {
		r, b, err := ParseRate(tt.in)
		if (err != nil) != tt.wantErr || r != tt.perSecond || b != tt.burst {
			t.Errorf("ParseRate(%q): got %v, %d, %v; want %v, %d, error %v", tt.in, r, b, err, tt.perSecond, tt.burst, tt.wantErr)
		}
	}
}

func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"10/1m", "off", "0", "1/1ns", "99999999999/1h", "5/", "/1s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, b, err := ParseRate(s)
		if err == nil && (r < 0 || b < 0 || (r == 0) != (b == 0)) {
			t.Fatalf("%q: rate %v burst %d", s, r, b)
		}
	})
}

// The HTTP ingest bounds come from a flag, the environment or the file, in
// that order of precedence.
func TestIngestLimitsPrecedence(t *testing.T) {
	file := writeFile(t, "limits:\n  ingest_concurrent: 2\n  ingest_chunk_records: 300\n")
	env := envOf(map[string]string{"HONEYVAULT_LIMITS_INGEST_CONCURRENT": "3", "HONEYVAULT_LIMITS_INGEST_CHUNK_RECORDS": "400"})
	for _, tt := range []struct {
		name                string
		args                []string
		env                 func(string) string
		concurrent, records int
	}{
		{"default", nil, envOf(nil), 8, 250},
		{"file", []string{"--config", file}, envOf(nil), 2, 300},
		{"env over file", []string{"--config", file}, env, 3, 400},
		{"flag over env", []string{"--config", file, "--ingest-concurrent", "6", "--ingest-chunk-records", "500"}, env, 6, 500},
	} {
		c, err := Load(newFlags(t, tt.args...), tt.env)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := c.Limits; got.IngestConcurrent != tt.concurrent || got.IngestChunkRecords != tt.records {
			t.Errorf("%s: got %d at once, %d a chunk; want %d, %d", tt.name, got.IngestConcurrent, got.IngestChunkRecords, tt.concurrent, tt.records)
		}
	}
}
