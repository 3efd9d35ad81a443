package receivers

import (
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/config"
)

func TestFromConfig(t *testing.T) {
	env := map[string]string{"SLACK_URL": "https://hooks.slack.com/services/T/B/SECRETPART", "HMAC": "0123456789abcdef0123", "LA_SECRET": "SECRETPART"}
	cfg := config.Notify{
		Webhooks: []string{"http://127.0.0.1:9/a", "http://127.0.0.1:9/b"}, WebhookSecret: "0123456789abcdef",
		Channels: []config.Channel{
			{Name: "chat", Type: "slack", URLEnv: "SLACK_URL", MinSeverity: "high", Vaults: []string{"kv-pay"}},
			{Name: "soar", Type: "webhook", URL: "https://soar.example.com/h", SecretEnv: "HMAC"},
			{Name: "teams", Type: "teams", URL: "https://example.webhook.office.com/x"},
			{Name: "mail", Type: "email", SMTP: "smtp.example.com:587", From: "hv@example.com", To: []string{"soc@example.com"}},
			{Name: "siem", Type: "syslog", URL: "udp://127.0.0.1:514", Format: "cef"},
			{Name: "sentinel", Type: "loganalytics", Endpoint: "https://dce-hv.westeurope-1.ingest.monitor.azure.com", RuleID: "dcr-0123456789abcdef0123456789abcdef",
				Stream: "Custom-HoneyvaultIncidents_CL", TenantID: "72f988bf-86f1-41af-91ab-2d7cd011db47", ClientID: "04b07795-8ddb-461a-bbee-02f9e1bf7b46", ClientSecretEnv: "LA_SECRET"},
		},
	}
	chs, err := FromConfig(cfg, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range chs {
		names = append(names, c.Name+":"+c.Type)
	}
	if got, want := strings.Join(names, " "), "webhook:webhook webhook-2:webhook chat:slack soar:webhook teams:teams mail:email siem:syslog sentinel:loganalytics"; got != want {
		t.Errorf("got %s; want %s", got, want)
	}
	if chs[2].Filter.MinSeverity != "high" || chs[2].Filter.Vaults[0] != "kv-pay" {
		t.Errorf("filter: %+v", chs[2].Filter)
	}
	// Targets are shown in the console: never a webhook's secret path.
	var targets []string
	for _, c := range chs {
		targets = append(targets, c.Target)
	}
	if got, want := strings.Join(targets, " | "), "http://127.0.0.1:9/… | http://127.0.0.1:9/… | https://hooks.slack.com/… | https://soar.example.com/… | "+
		"https://example.webhook.office.com/… | smtp.example.com:587 → soc@example.com | udp://127.0.0.1:514/… | "+
		"https://dce-hv.westeurope-1.ingest.monitor.azure.com/… → Custom-HoneyvaultIncidents_CL"; got != want {
		t.Errorf("targets: got %s; want %s", got, want)
	}
}

func TestFromConfigErrorsNameTheChannelNotTheSecret(t *testing.T) {
	tests := []struct {
		ch    config.Channel
		inMsg string
	}{
		{config.Channel{Name: "chat", Type: "slack", URLEnv: "MISSING"}, "MISSING is empty"},
		{config.Channel{Name: "chat", Type: "slack", URL: "https://x/y", URLEnv: "SLACK"}, "both set"},
		{config.Channel{Name: "chat", Type: "slack", URL: "ftp://hooks.slack.com/services/SECRETPART"}, "not an http(s) URL"},
		{config.Channel{Name: "mail", Type: "email", SMTP: "smtp.example.com", From: "a@example.com", To: []string{"b@example.com"}}, "HOST:PORT"},
		{config.Channel{Name: "siem", Type: "syslog", URL: "udp://x:514", CAFile: "/nonexistent.pem"}, "ca_file"},
		{config.Channel{Name: "soar", Type: "webhook", URL: "https://x/y", Secret: "short"}, "too short"},
		{laChannel(func(c *config.Channel) { c.RuleID = "hv-rule" }), "rule_id"},
		{laChannel(func(c *config.Channel) { c.Endpoint = "http://dce.example.com" }), "endpoint"},
		{laChannel(func(c *config.Channel) { c.Stream = "" }), "stream"},
		{laChannel(func(c *config.Channel) { c.ClientSecretEnv = "MISSING" }), "client_secret_env: environment variable MISSING is empty"},
	}
	for _, tt := range tests {
		_, err := FromConfig(config.Notify{Channels: []config.Channel{tt.ch}}, func(k string) string {
			if k == "SLACK" {
				return "https://hooks.slack.com/services/SECRETPART"
			}
			return ""
		})
		if err == nil || !strings.Contains(err.Error(), tt.inMsg) || !strings.Contains(err.Error(), tt.ch.Name) {
			t.Errorf("%+v: got %v; want an error naming %s and mentioning %q", tt.ch, err, tt.ch.Name, tt.inMsg)
		}
		if err != nil && strings.Contains(err.Error(), "SECRETPART") {
			t.Errorf("error shows the secret: %v", err)
		}
	}
}

// laChannel is a valid loganalytics channel (its secret in SLACK, which
// the test's environment holds) changed by change.
func laChannel(change func(*config.Channel)) config.Channel {
	c := config.Channel{Name: "sentinel", Type: "loganalytics", Endpoint: "https://dce-hv.westeurope-1.ingest.monitor.azure.com",
		RuleID: "dcr-0123456789abcdef0123456789abcdef", Stream: "Custom-HoneyvaultIncidents_CL",
		TenantID: "72f988bf-86f1-41af-91ab-2d7cd011db47", ClientID: "04b07795-8ddb-461a-bbee-02f9e1bf7b46", ClientSecretEnv: "SLACK"}
	change(&c)
	return c
}
