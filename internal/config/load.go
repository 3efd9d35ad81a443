package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"
)

// FileEnv names the environment variable that points at the config file when
// --config is not given.
const FileEnv = "HONEYVAULT_CONFIG"

// maxFileSize bounds the config file: it is settings, not data.
const maxFileSize = 1 << 20

// AddFlags registers --config and one flag per setting that has one.
func AddFlags(fs *pflag.FlagSet) {
	d := Default()
	fs.String("config", "", "YAML config file (env "+FileEnv+")")
	for _, s := range Settings {
		if s.Flag == "" {
			continue
		}
		usage := s.Usage
		if s.Env != "" {
			usage += " (env " + s.Env + ")"
		}
		switch p := s.field(&d).(type) {
		case *string:
			fs.String(s.Flag, *p, usage)
		case *[]string:
			fs.StringArray(s.Flag, nil, usage)
		case *Duration:
			fs.Duration(s.Flag, 0, usage+" (default "+p.String()+")")
		case *int:
			fs.Int(s.Flag, *p, usage)
		}
	}
}

// Load builds the configuration: defaults, then the file (from --config or
// HONEYVAULT_CONFIG), then the environment, then the flags that were set. It
// validates the result. getenv is os.Getenv outside tests.
func Load(fs *pflag.FlagSet, getenv func(string) string) (Config, error) {
	c := Default()
	source := make(map[string]string) // setting key → where its value came from
	path, _ := fs.GetString("config")
	src := "flag --config"
	if path == "" {
		path, src = getenv(FileEnv), "env "+FileEnv
	}
	if path != "" {
		if err := loadFile(&c, path); err != nil {
			return Config{}, &Error{Setting: "config", Source: src, Err: err}
		}
		for _, s := range Settings {
			source[s.Key] = "file " + path
		}
	}
	for _, s := range Settings {
		if s.Env == "" {
			continue
		}
		if v, ok := lookup(getenv, s.Env); ok {
			if err := s.set(&c, v); err != nil {
				return Config{}, &Error{Setting: s.Key, Source: "env " + s.Env, Err: err}
			}
			source[s.Key] = "env " + s.Env
		}
	}
	for _, s := range Settings {
		if s.Flag == "" || fs.Lookup(s.Flag) == nil || !fs.Changed(s.Flag) {
			continue
		}
		if err := setFromFlag(&c, s, fs); err != nil {
			return Config{}, &Error{Setting: s.Key, Source: "flag --" + s.Flag, Err: err}
		}
		source[s.Key] = "flag --" + s.Flag
	}
	c.normalize()
	if err := c.Ingest.resolveSecrets(getenv); err != nil {
		return Config{}, err
	}
	if err := c.resolveSecretStores(getenv); err != nil {
		var ce *Error
		if errors.As(err, &ce) && ce.Source == "" {
			ce.Source = source[ce.Setting]
		}
		return Config{}, err
	}
	if err := c.Validate(); err != nil {
		var ce *Error
		if errors.As(err, &ce) && ce.Source == "" {
			ce.Source = source[ce.Setting]
		}
		return Config{}, err
	}
	return c, nil
}

// normalize makes an empty list in the file the same as an absent one.
func (c *Config) normalize() {
	c.Ingest.normalize()
	c.OIDC.normalize()
	c.Plant.normalize()
	if len(c.Diagnostics.Destinations) == 0 {
		c.Diagnostics.Destinations = nil
	}
	for _, l := range []*[]string{&c.Watchlist, &c.Notify.Webhooks, &c.Incidents.GroupBy, &c.TrustedProxies, &c.Canary.Kinds, &c.Canary.DNS.NS} {
		if len(*l) == 0 {
			*l = nil
		}
	}
	if len(c.Allow) == 0 {
		c.Allow = nil
	}
	if len(c.Vault.Clusters) == 0 {
		c.Vault.Clusters = nil
	}
	if len(c.AWS.Regions) == 0 {
		c.AWS.Regions = nil
	}
	if len(c.Notify.Channels) == 0 {
		c.Notify.Channels = nil
	}
}

func lookup(getenv func(string) string, name string) (string, bool) {
	v := getenv(name)
	return v, v != ""
}

func setFromFlag(c *Config, s Setting, fs *pflag.FlagSet) error {
	switch p := s.field(c).(type) {
	case *[]string:
		v, err := fs.GetStringArray(s.Flag)
		*p = v
		return err
	case *Duration:
		v, err := fs.GetDuration(s.Flag)
		*p = Duration(v)
		return err
	default:
		return s.set(c, fs.Lookup(s.Flag).Value.String())
	}
}

// loadFile reads YAML into c. Unknown keys are errors, so that a typo does not
// silently leave a default in place.
func loadFile(c *Config, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return err
	}
	if len(data) > maxFileSize {
		return fmt.Errorf("%s is larger than %d bytes", path, maxFileSize)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: %v", path, err)
	}
	return nil
}
