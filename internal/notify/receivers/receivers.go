// Package receivers builds notification channels from the configuration:
// the plain webhooks of --notify-webhook and every entry of
// notify.channels, each validated by its channel package.
package receivers

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/notify"
	"github.com/honeyvault/honeyvault/internal/notify/email"
	"github.com/honeyvault/honeyvault/internal/notify/slack"
	"github.com/honeyvault/honeyvault/internal/notify/syslog"
	"github.com/honeyvault/honeyvault/internal/notify/teams"
	"github.com/honeyvault/honeyvault/internal/notify/webhook"
)

// FromConfig builds the channels cfg describes. getenv resolves the *_env
// settings (os.Getenv outside tests). Errors name the channel and setting
// but never a secret's value.
func FromConfig(cfg config.Notify, getenv func(string) string, opts ...Option) ([]notify.Channel, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	var out []notify.Channel
	for i, name := range config.WebhookChannelNames(len(cfg.Webhooks)) {
		n, err := webhook.New(webhook.Config{URL: cfg.Webhooks[i], Secret: cfg.WebhookSecret})
		if err != nil {
			return nil, fmt.Errorf("notify.webhooks[%d]: %w", i, err)
		}
		out = append(out, notify.Channel{Name: name, Type: "webhook", Target: notify.RedactURL(cfg.Webhooks[i]), Notifier: n})
	}
	for i, c := range cfg.Channels {
		n, err := build(c, getenv, o)
		if err != nil {
			return nil, fmt.Errorf("notify.channels[%d] (%s): %w", i, c.Name, err)
		}
		out = append(out, notify.Channel{
			Name: c.Name, Type: c.Type, Target: target(c, getenv), Notifier: n, Timeout: time.Duration(c.Timeout),
			Filter: notify.Filter{MinSeverity: c.MinSeverity, Vaults: c.Vaults},
		})
	}
	return out, notify.Validate(out)
}

func build(c config.Channel, getenv func(string) string, o options) (notify.Notifier, error) {
	url, err := secret("url", c.URL, c.URLEnv, getenv)
	if err != nil {
		return nil, err
	}
	switch c.Type {
	case "webhook":
		key, err := secret("secret", c.Secret, c.SecretEnv, getenv)
		if err != nil {
			return nil, err
		}
		return webhook.New(webhook.Config{URL: url, Secret: key})
	case "slack":
		return slack.New(slack.Config{URL: url})
	case "teams":
		return teams.New(teams.Config{URL: url})
	case "email":
		pw, err := secret("password", c.Password, c.PasswordEnv, getenv)
		if err != nil {
			return nil, err
		}
		tc, err := tlsConfig(c.CAFile)
		if err != nil {
			return nil, err
		}
		return email.New(email.Config{Addr: c.SMTP, TLS: c.TLS, Username: c.Username, Password: pw, From: c.From, To: c.To, TLSConfig: tc})
	case "syslog":
		tc, err := tlsConfig(c.CAFile)
		if err != nil {
			return nil, err
		}
		return syslog.New(syslog.Config{URL: url, Format: c.Format, TLSConfig: tc})
	case "loganalytics":
		return logAnalytics(c, getenv, o)
	}
	return nil, fmt.Errorf("unknown type %q", c.Type)
}

// secret returns value, or the environment variable env names when set.
func secret(field, value, env string, getenv func(string) string) (string, error) {
	if env == "" {
		return value, nil
	}
	if value != "" {
		return "", fmt.Errorf("%s and %s_env are both set: keep one", field, field)
	}
	v := getenv(env)
	if v == "" {
		return "", fmt.Errorf("%s_env: environment variable %s is empty or unset", field, env)
	}
	return v, nil
}

// tlsConfig trusts the system's roots plus the CAs in caFile.
func tlsConfig(caFile string) (*tls.Config, error) {
	if caFile == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("ca_file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("ca_file %s: no PEM certificate in it", caFile)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

// target is where c sends, safe to show (notify.Channel.Target): an SMTP
// server and recipients, a data collection endpoint's host and stream, else
// the URL's scheme and host.
func target(c config.Channel, getenv func(string) string) string {
	switch c.Type {
	case "email":
		return c.SMTP + " → " + strings.Join(c.To, ", ")
	case "loganalytics":
		return notify.RedactURL(c.Endpoint) + " → " + c.Stream
	}
	url, _ := secret("url", c.URL, c.URLEnv, getenv) // build already checked it
	return notify.RedactURL(url)
}
