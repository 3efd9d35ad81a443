package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestIncidentAndChannelSettings(t *testing.T) {
	file := writeFile(t, `
notify:
  webhooks: [http://127.0.0.1:9/hook]
  channels:
    - name: soc-slack
      type: slack
      url_env: SLACK_URL
      min_severity: high
      vaults: [kv-pay]
incidents:
  group_by: [vault]
  batch_interval: 5s
`)
	env := envOf(map[string]string{"HONEYVAULT_INCIDENTS_GROUP_WINDOW": "2h", "HONEYVAULT_NOTIFY_WEBHOOK_SECRET": "s3cret"})
	c, err := Load(newFlags(t, "--config", file), env)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Incidents, (Incidents{GroupBy: []string{"vault"}, GroupWindow: Duration(2 * time.Hour), BatchInterval: Duration(5 * time.Second)}); !reflect.DeepEqual(got, want) {
		t.Errorf("incidents: got %+v; want %+v", got, want)
	}
	if got, want := c.Notify.WebhookSecret, "s3cret"; got != want {
		t.Errorf("webhook secret: got %q; want %q", got, want)
	}
	if len(c.Notify.Channels) != 1 || c.Notify.Channels[0].URLEnv != "SLACK_URL" || c.Notify.Channels[0].Vaults[0] != "kv-pay" {
		t.Errorf("channels: %+v", c.Notify.Channels)
	}
}

func TestBadIncidentAndChannelSettings(t *testing.T) {
	tests := []struct {
		name, file, setting, inMsg string
	}{
		{"unknown label", "incidents:\n  group_by: [vault, tenant]\n", "incidents.group_by", "tenant"},
		{"dots with others", "incidents:\n  group_by: [vault, \"...\"]\n", "incidents.group_by", "alone"},
		{"repeated label", "incidents:\n  group_by: [vault, vault]\n", "incidents.group_by", "twice"},
		{"short window", "incidents:\n  group_window: 1s\n", "incidents.group_window", "1m"},
		{"long batch", "incidents:\n  batch_interval: 2h\n", "incidents.batch_interval", "1h"},
		{"bad type", "notify:\n  channels:\n    - {name: a, type: pager}\n", "notify.channels[0].type", "pager"},
		{"bad name", "notify:\n  channels:\n    - {name: A B, type: slack}\n", "notify.channels[0].name", "lower-case"},
		{"name clash", "notify:\n  webhooks: [http://127.0.0.1/x]\n  channels:\n    - {name: webhook, type: slack}\n", "notify.channels[0].name", "twice"},
		{"bad severity", "notify:\n  channels:\n    - {name: a, type: slack, min_severity: low}\n", "notify.channels[0].min_severity", "low"},
		{"unknown channel key", "notify:\n  channels:\n    - {name: a, type: slack, colour: red}\n", "config", "colour"},
		{"loganalytics cloud", "notify:\n  channels:\n    - {name: a, type: loganalytics, cloud: mars}\n", "notify.channels[0].cloud", "mars"},
		{"loganalytics two secrets", "notify:\n  channels:\n    - {name: a, type: loganalytics, tenant_id: t, client_id: c, client_secret: s, client_secret_env: S}\n", "notify.channels[0].client_secret", "both"},
		{"loganalytics secret without tenant", "notify:\n  channels:\n    - {name: a, type: loganalytics, client_id: c, client_secret_env: S}\n", "notify.channels[0].client_id", "tenant_id"},
		{"loganalytics secret and certificate", "notify:\n  channels:\n    - {name: a, type: loganalytics, tenant_id: t, client_id: c, client_secret_env: S, client_certificate: c.pem}\n", "notify.channels[0].client_certificate", "not both"},
		{"loganalytics managed identity and secret", "notify:\n  channels:\n    - {name: a, type: loganalytics, tenant_id: t, client_id: c, client_secret_env: S, managed_identity: true}\n", "notify.channels[0].managed_identity", "no client secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(newFlags(t, "--config", writeFile(t, tt.file)), envOf(nil))
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

func TestLogAnalyticsChannelSettings(t *testing.T) {
	file := writeFile(t, `
notify:
  channels:
    - name: sentinel
      type: loganalytics
      endpoint: https://dce-hv.westeurope-1.ingest.monitor.azure.com
      rule_id: dcr-0123456789abcdef0123456789abcdef
      stream: Custom-HoneyvaultIncidents_CL
      tenant_id: 72f988bf-86f1-41af-91ab-2d7cd011db47
      client_id: 04b07795-8ddb-461a-bbee-02f9e1bf7b46
      client_secret_env: HV_LA_SECRET
      cloud: public
`)
	c, err := Load(newFlags(t, "--config", file), envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	ch := c.Notify.Channels[0]
	if ch.Type != "loganalytics" || ch.Endpoint != "https://dce-hv.westeurope-1.ingest.monitor.azure.com" || ch.RuleID != "dcr-0123456789abcdef0123456789abcdef" ||
		ch.Stream != "Custom-HoneyvaultIncidents_CL" || ch.ClientSecretEnv != "HV_LA_SECRET" || ch.Cloud != "public" {
		t.Errorf("channel: %+v", ch)
	}
}

func TestWebhookChannelNames(t *testing.T) {
	if got, want := WebhookChannelNames(3), []string{"webhook", "webhook-2", "webhook-3"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q; want %q", got, want)
	}
}
