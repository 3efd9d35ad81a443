package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func newFlags(t *testing.T, args ...string) *pflag.FlagSet {
	t.Helper()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return fs
}

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "hv.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaults(t *testing.T) {
	c, err := Load(newFlags(t), envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Listen, "127.0.0.1:8080"; got != want {
		t.Errorf("listen: got %q; want %q", got, want)
	}
	if got, want := c.DB, "sqlite:./honeyvault.db"; got != want {
		t.Errorf("db: got %q; want %q", got, want)
	}
}

func TestPrecedenceFlagOverEnvOverFile(t *testing.T) {
	file := writeFile(t, "listen: 127.0.0.1:1001\ndb: sqlite:/tmp/file.db\nlog:\n  level: debug\nwatchlist: [a.csv]\n")
	env := envOf(map[string]string{
		"HONEYVAULT_LISTEN":    "127.0.0.1:1002",
		"HONEYVAULT_WATCHLIST": "b.csv, c.csv",
		FileEnv:                "/does/not/exist.yaml", // --config wins over it
	})
	c, err := Load(newFlags(t, "--config", file, "--listen", "127.0.0.1:1003"), env)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Listen, "127.0.0.1:1003"; got != want {
		t.Errorf("listen: got %q; want %q (flag)", got, want)
	}
	if got, want := c.DB, "sqlite:/tmp/file.db"; got != want {
		t.Errorf("db: got %q; want %q (file)", got, want)
	}
	if got, want := c.Log.Level, "debug"; got != want {
		t.Errorf("log.level: got %q; want %q (file)", got, want)
	}
	if got, want := c.Watchlist, []string{"b.csv", "c.csv"}; !reflect.DeepEqual(got, want) {
		t.Errorf("watchlist: got %q; want %q (env)", got, want)
	}
	c, err = Load(newFlags(t, "--config", file, "--watchlist", "x.csv", "--watchlist", "y.csv"), env)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Watchlist, []string{"x.csv", "y.csv"}; !reflect.DeepEqual(got, want) {
		t.Errorf("watchlist: got %q; want %q (flags)", got, want)
	}
}

func TestConfigFileFromEnv(t *testing.T) {
	file := writeFile(t, "db: postgres://hv@127.0.0.1:5432/hv\n")
	c, err := Load(newFlags(t), envOf(map[string]string{FileEnv: file}))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.DB, "postgres://hv@127.0.0.1:5432/hv"; got != want {
		t.Errorf("db: got %q; want %q", got, want)
	}
}

func TestBadSettingsNameTheSetting(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		env     map[string]string
		args    []string
		setting string
		inMsg   string
	}{
		{name: "unknown key", file: "listn: x\n", setting: "config", inMsg: "listn"},
		{name: "bad yaml", file: "listen: [\n", setting: "config", inMsg: "hv.yaml"},
		{name: "bad listen", args: []string{"--listen", "nope"}, setting: "listen", inMsg: "host:port"},
		{name: "bad db scheme", env: map[string]string{"HONEYVAULT_DB": "mysql://x"}, setting: "db", inMsg: "want sqlite:PATH"},
		{name: "empty sqlite path", args: []string{"--db", "sqlite:"}, setting: "db", inMsg: "no file path"},
		{name: "bad level", file: "log:\n  level: loud\n", setting: "log.level", inMsg: "loud"},
		{name: "bad format", args: []string{"--log-format", "xml"}, setting: "log.format", inMsg: "xml"},
		{name: "short token", env: map[string]string{"HONEYVAULT_ADMIN_TOKEN": "abc"}, setting: "admin_token", inMsg: "too short"},
		{name: "same tokens", env: map[string]string{"HONEYVAULT_ADMIN_TOKEN": "0123456789abcdef0", "HONEYVAULT_INGEST_TOKEN": "0123456789abcdef0"}, setting: "ingest_token", inMsg: "differ"},
		{name: "bad webhook", args: []string{"--notify-webhook", "ftp://x"}, setting: "notify.webhooks", inMsg: "http(s)"},
		{name: "bad trusted proxy", env: map[string]string{"HONEYVAULT_TRUSTED_PROXIES": "10.0.0.0/8, proxy.internal"}, setting: "trusted_proxies", inMsg: "proxy.internal"},
		{name: "bad duration env", env: map[string]string{"HONEYVAULT_SHUTDOWN_TIMEOUT": "soon"}, setting: "shutdown_timeout", inMsg: "duration"},
		{name: "short lease", env: map[string]string{"HONEYVAULT_CLUSTER_LEASE_TTL": "100ms"}, setting: "cluster.lease_ttl", inMsg: "at least 1s"},
		{name: "missing file", args: []string{"--config", "/nonexistent/hv.yaml"}, setting: "config", inMsg: "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
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

func TestSecretsNotEchoedInErrors(t *testing.T) {
	_, err := Load(newFlags(t, "--db", "mysql://user:hunter2hunter2@db/x"), envOf(nil))
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("got %v; want an error without the password", err)
	}
}

// The example file in the repository must stay loadable and agree with the defaults.
func TestExampleFileIsValidAndDocumentsEverySetting(t *testing.T) {
	path := filepath.Join("..", "..", "honeyvault.example.yaml")
	c, err := Load(newFlags(t, "--config", path), envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c, Default(); !reflect.DeepEqual(got, want) {
		t.Errorf("example file differs from defaults:\ngot  %+v\nwant %+v", got, want)
	}
	body, _ := os.ReadFile(path)
	for _, s := range Settings {
		last := s.Key[strings.LastIndex(s.Key, ".")+1:]
		if !strings.Contains(string(body), last+":") {
			t.Errorf("example file does not document %s", s.Key)
		}
		if s.Env != "" && !strings.Contains(string(body), s.Env) {
			t.Errorf("example file does not name %s", s.Env)
		}
	}
}
