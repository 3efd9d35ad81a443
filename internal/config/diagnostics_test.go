package config

import (
	"strings"
	"testing"
	"time"
)

// Bad diagnostics settings are refused naming the setting; good ones pass.
func TestDiagnosticsValidate(t *testing.T) {
	const ns = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.EventHub/namespaces/hv-soc"
	tests := []struct {
		name    string
		edit    func(*Config)
		setting string // "" when valid
	}{
		{"defaults", func(*Config) {}, ""},
		{"off", func(c *Config) { c.Diagnostics.Interval = "off" }, ""},
		{"too often", func(c *Config) { c.Diagnostics.Interval = "10s" }, "diagnostics.interval"},
		{"not a duration", func(c *Config) { c.Diagnostics.Interval = "hourly" }, "diagnostics.interval"},
		{"destinations", func(c *Config) {
			c.Diagnostics.Destinations = []string{ns, ns + "/eventhubs/kv",
				"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a",
				"/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/w"}
		}, ""},
		{"a vault is no destination", func(c *Config) {
			c.Diagnostics.Destinations = []string{"/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv"}
		}, "diagnostics.destinations[0]"},
		{"a bare name", func(c *Config) { c.Diagnostics.Destinations = []string{"hv-soc"} }, "diagnostics.destinations[0]"},
		{"namespace by name", func(c *Config) {
			c.Ingest.EventHubs = []EventHubsSource{{Name: "e", Brokers: []string{"127.0.0.1:9092"}, Namespace: "hv-soc"}}
		}, ""},
		{"namespace id of something else", func(c *Config) {
			c.Ingest.EventHubs = []EventHubsSource{{Name: "e", Brokers: []string{"127.0.0.1:9092"}, Namespace: "/subscriptions/s/resourceGroups/rg"}}
		}, "ingest.eventhubs[0].namespace"},
		{"workspace GUID as resource id", func(c *Config) {
			c.Ingest.LogAnalytics = []LogAnalyticsSource{{Name: "l", WorkspaceID: "w", WorkspaceResourceID: "5f0c3a1e-7d2b-4c9a-8e6f-1b2c3d4e5f60"}}
		}, "ingest.loganalytics[0].workspace_resource_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.edit(&c)
			err := c.Validate()
			if tt.setting == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.setting+":") {
				t.Errorf("got %v; want an error naming %s", err, tt.setting)
			}
		})
	}
	if d, err := Default().Diagnostics.Every(); err != nil || d != time.Hour {
		t.Errorf("default interval %v, %v; want 1h", d, err)
	}
}
