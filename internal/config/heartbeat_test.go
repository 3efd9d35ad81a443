package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestHeartbeatSettings(t *testing.T) {
	c, err := Load(newFlags(t), envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if every, err := c.Heartbeat.Every(); every != 5*time.Minute || err != nil {
		t.Errorf("default interval: %v, %v; want 5m", every, err)
	}
	if got := c.HeartbeatSLA(); got != FastSLA {
		t.Errorf("default SLA (push only): %v; want %v", got, FastSLA)
	}
	c, err = Load(newFlags(t, "--heartbeat-interval", "1m"), envOf(map[string]string{"HONEYVAULT_HEARTBEAT_INTERVAL": "2m"}))
	if err != nil {
		t.Fatal(err)
	}
	if every, _ := c.Heartbeat.Every(); every != time.Minute {
		t.Errorf("flag over env: got %+v", c.Heartbeat)
	}
	for _, off := range []string{"off", "0"} {
		c, err = Load(newFlags(t), envOf(map[string]string{"HONEYVAULT_HEARTBEAT_INTERVAL": off}))
		if every, err2 := c.Heartbeat.Every(); err != nil || every != 0 || err2 != nil {
			t.Errorf("%q: %v, %v, %v; want off", off, every, err, err2)
		}
	}
	for _, tc := range []struct{ env, value, setting, inMsg string }{
		{"HONEYVAULT_HEARTBEAT_INTERVAL", "often", "heartbeat.interval", "or off"},
		{"HONEYVAULT_HEARTBEAT_INTERVAL", "1s", "heartbeat.interval", "at least 10s"},
		{"HONEYVAULT_HEARTBEAT_PUSH_SLA", "-5m", "heartbeat.push_sla", "at least 1s"},
		{"HONEYVAULT_HEARTBEAT_PUSH_SLA", "48h", "heartbeat.push_sla", "over 24h"},
	} {
		_, err := Load(newFlags(t), envOf(map[string]string{tc.env: tc.value}))
		var ce *Error
		if !errors.As(err, &ce) || ce.Setting != tc.setting || !strings.Contains(err.Error(), tc.inMsg) {
			t.Errorf("%s=%q: got %v; want an error about %s saying %q", tc.env, tc.value, err, tc.setting, tc.inMsg)
		}
	}
}

// The SLA is the slowest of the push endpoint and every source, each
// source's own or its kind's default.
func TestHeartbeatSLAIsTheSlowestSource(t *testing.T) {
	tests := []struct {
		name string
		in   Ingest
		want time.Duration
	}{
		{"event hubs", Ingest{EventHubs: []EventHubsSource{{}}}, FastSLA},
		{"event hubs set slower", Ingest{EventHubs: []EventHubsSource{{HeartbeatSLA: Duration(5 * time.Minute)}}}, 5 * time.Minute},
		{"storage", Ingest{EventHubs: []EventHubsSource{{}}, Storage: []StorageSource{{}}}, SlowSLA},
		{"log analytics set", Ingest{LogAnalytics: []LogAnalyticsSource{{HeartbeatSLA: Duration(30 * time.Minute)}}}, 30 * time.Minute},
		{"file", Ingest{Files: []FileSource{{}}}, SlowSLA},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			c.Ingest = tt.in
			if got := c.HeartbeatSLA(); got != tt.want {
				t.Errorf("got %v; want %v", got, tt.want)
			}
		})
	}
	c := Default()
	c.Ingest.Storage = []StorageSource{{HeartbeatSLA: Duration(-time.Second)}}
	var ce *Error
	if err := c.validateHeartbeat(); !errors.As(err, &ce) || ce.Setting != "ingest.storage[0].heartbeat_sla" {
		t.Errorf("a negative source SLA: got %v", err)
	}
}
