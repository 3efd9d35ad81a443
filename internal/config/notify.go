package config

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Notify configures notification channels: the plain webhooks of
// --notify-webhook (each becomes a channel "webhook", "webhook-2", ... with
// default settings) and fully described channels from the file.
type Notify struct {
	Webhooks []string `yaml:"webhooks"`
	// WebhookSecret signs the bodies sent to Webhooks (HMAC-SHA256).
	WebhookSecret string    `yaml:"webhook_secret"`
	Channels      []Channel `yaml:"channels"`
}

// Channel is one notification channel, from the file only. Type says which
// fields apply; internal/notify validates each type's fields in detail.
// Secrets (Slack and Teams URLs, HMAC keys, SMTP passwords) are better given
// through the *_env fields, which name an environment variable to read.
type Channel struct {
	Name        string   `yaml:"name"`
	Type        string   `yaml:"type"`         // webhook, slack, teams, email, syslog or loganalytics
	MinSeverity string   `yaml:"min_severity"` // medium (default), high or critical
	Vaults      []string `yaml:"vaults"`       // only incidents on these vaults (names); empty: all
	Timeout     Duration `yaml:"timeout"`      // per attempt; 0: 10s

	URL       string `yaml:"url"`        // webhook, slack, teams; syslog: udp://, tcp:// or tls://HOST:PORT
	URLEnv    string `yaml:"url_env"`    // environment variable holding URL
	Secret    string `yaml:"secret"`     // webhook: HMAC-SHA256 key for X-Honeyvault-Signature
	SecretEnv string `yaml:"secret_env"` // environment variable holding Secret

	SMTP        string   `yaml:"smtp"` // email: HOST:PORT
	TLS         string   `yaml:"tls"`  // email: starttls (default), tls (implicit) or none
	Username    string   `yaml:"username"`
	Password    string   `yaml:"password"`
	PasswordEnv string   `yaml:"password_env"`
	From        string   `yaml:"from"`
	To          []string `yaml:"to"`

	Format string `yaml:"format"`  // syslog: rfc5424 (default) or cef
	CAFile string `yaml:"ca_file"` // PEM file of extra CAs for TLS (syslog tls, email)

	// loganalytics: the Logs Ingestion API's data collection endpoint, the
	// rule's immutable id and the stream it declares.
	Endpoint string `yaml:"endpoint"`
	RuleID   string `yaml:"rule_id"`
	Stream   string `yaml:"stream"`
	// loganalytics: who uploads, as plant.* signs in; none of them set
	// means Azure's default chain (environment, workload identity, managed
	// identity, Azure CLI), as the Log Analytics source.
	TenantID          string `yaml:"tenant_id"`
	ClientID          string `yaml:"client_id"`
	ClientSecret      string `yaml:"client_secret"`
	ClientSecretEnv   string `yaml:"client_secret_env"`
	ClientCertificate string `yaml:"client_certificate"` // PEM or PKCS#12 file
	ManagedIdentity   bool   `yaml:"managed_identity"`
	Cloud             string `yaml:"cloud"` // public (default), china or usgovernment
}

// ChannelTypes lists the channel types internal/notify builds.
var ChannelTypes = []string{"webhook", "slack", "teams", "email", "syslog", "loganalytics"}

// Severities a channel may ask for at least, lowest first.
var Severities = []string{"medium", "high", "critical"}

var channelNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

func (n *Notify) validate() error {
	for _, w := range n.Webhooks {
		u, err := url.Parse(w)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return &Error{Setting: "notify.webhooks", Err: fmt.Errorf("%q is not an http(s) URL", redactURL(w))}
		}
	}
	names := make(map[string]bool)
	for _, w := range WebhookChannelNames(len(n.Webhooks)) {
		names[w] = true
	}
	for i, ch := range n.Channels {
		setting := fmt.Sprintf("notify.channels[%d]", i)
		if !channelNameRE.MatchString(ch.Name) {
			return &Error{Setting: setting + ".name", Err: fmt.Errorf("%q: want 1-63 lower-case letters, digits, - and _", ch.Name)}
		}
		if names[ch.Name] {
			return &Error{Setting: setting + ".name", Err: fmt.Errorf("%q is used twice (webhooks from notify.webhooks are named webhook, webhook-2, ...)", ch.Name)}
		}
		names[ch.Name] = true
		if !slices.Contains(ChannelTypes, ch.Type) {
			return &Error{Setting: setting + ".type", Err: fmt.Errorf("%q: want one of %s", ch.Type, strings.Join(ChannelTypes, ", "))}
		}
		if ch.MinSeverity != "" && !slices.Contains(Severities, ch.MinSeverity) {
			return &Error{Setting: setting + ".min_severity", Err: fmt.Errorf("%q: want medium, high or critical", ch.MinSeverity)}
		}
		if ch.Timeout < 0 {
			return &Error{Setting: setting + ".timeout", Err: errors.New("must not be negative")}
		}
		if ch.Type == "loganalytics" {
			if err := ch.validateLogAnalytics(setting); err != nil {
				return err
			}
		}
	}
	return nil
}

// validateLogAnalytics checks what a loganalytics channel's identity
// settings can be checked for without the environment: the channel
// package checks the endpoint, rule and stream.
func (ch *Channel) validateLogAnalytics(setting string) error {
	secret := ch.ClientSecret != "" || ch.ClientSecretEnv != ""
	switch {
	case !slices.Contains([]string{"", "public", "china", "usgovernment"}, ch.Cloud):
		return &Error{Setting: setting + ".cloud", Err: fmt.Errorf("%q: want public, china or usgovernment", ch.Cloud)}
	case ch.ClientSecret != "" && ch.ClientSecretEnv != "":
		return &Error{Setting: setting + ".client_secret", Err: errors.New("client_secret and client_secret_env are both set: keep one")}
	case secret && ch.ClientCertificate != "":
		return &Error{Setting: setting + ".client_certificate", Err: errors.New("set a client secret or a certificate, not both")}
	case (secret || ch.ClientCertificate != "") && (ch.TenantID == "" || ch.ClientID == ""):
		return &Error{Setting: setting + ".client_id", Err: errors.New("a client secret or certificate needs tenant_id and client_id too")}
	case ch.ManagedIdentity && (secret || ch.ClientCertificate != ""):
		return &Error{Setting: setting + ".managed_identity", Err: errors.New("a managed identity takes no client secret or certificate")}
	}
	return nil
}

// WebhookChannelNames names the channels built from n plain webhook URLs.
func WebhookChannelNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "webhook"
		if i > 0 {
			out[i] = fmt.Sprintf("webhook-%d", i+1)
		}
	}
	return out
}

// Incidents configures how alerts are grouped into incidents and how often
// an incident's later alerts are sent.
type Incidents struct {
	// GroupBy are the labels whose values an alert must share with an open
	// incident to join it (see GroupLabels); ["..."] gives every alert its
	// own incident.
	GroupBy []string `yaml:"group_by"`
	// GroupWindow is how long after an incident's last alert a new alert
	// with the same labels still joins it.
	GroupWindow Duration `yaml:"group_window"`
	// BatchInterval is how long later alerts of an incident are collected
	// before they are sent (its first alert is sent at once).
	BatchInterval Duration `yaml:"batch_interval"`
}

// GroupLabels are the labels incidents can be grouped by.
var GroupLabels = []string{"vault", "caller", "decoy", "ip", "operation", "class", "severity"}

func (in *Incidents) validate() error {
	if len(in.GroupBy) == 0 {
		return &Error{Setting: "incidents.group_by", Err: errors.New("empty: want labels among " + strings.Join(GroupLabels, ", ") + ` or "..."`)}
	}
	seen := make(map[string]bool)
	for _, l := range in.GroupBy {
		switch {
		case l == "..." && len(in.GroupBy) == 1:
		case !slices.Contains(GroupLabels, l):
			return &Error{Setting: "incidents.group_by", Err: fmt.Errorf("%q: want labels among %s, or \"...\" alone", l, strings.Join(GroupLabels, ", "))}
		case seen[l]:
			return &Error{Setting: "incidents.group_by", Err: fmt.Errorf("%q is listed twice", l)}
		}
		seen[l] = true
	}
	if in.GroupWindow < Duration(time.Minute) {
		return &Error{Setting: "incidents.group_window", Err: errors.New("must be at least 1m")}
	}
	if in.BatchInterval < 0 || in.BatchInterval > Duration(time.Hour) {
		return &Error{Setting: "incidents.batch_interval", Err: errors.New("must be between 0s and 1h")}
	}
	return nil
}
