package config

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Heartbeat configures serve's per-vault heartbeats (internal/health): a
// logged request to each decoy vault whose audit record must come back
// through ingestion within an SLA fitted to the sources.
type Heartbeat struct {
	// Interval is how often serve beats and checks, as a duration ("5m"),
	// or "off" (or "0") for never.
	Interval string `yaml:"interval"`
	// PushSLA is how long a record may take through the HTTP push
	// endpoint, which has no source entry of its own to carry it.
	PushSLA Duration `yaml:"push_sla"`
}

// The SLAs of the sources that leave theirs out: streams deliver within
// seconds; storage archives and Log Analytics take up to ~15 minutes, and a
// file is written on whatever schedule its writer keeps.
const (
	FastSLA = 2 * time.Minute  // push, Event Hubs
	SlowSLA = 20 * time.Minute // storage, Log Analytics, files
)

// DefaultHeartbeat beats every five minutes.
func DefaultHeartbeat() Heartbeat { return Heartbeat{Interval: "5m", PushSLA: Duration(FastSLA)} }

// Every is the heartbeat interval; 0 for off.
func (h Heartbeat) Every() (time.Duration, error) {
	s := strings.TrimSpace(h.Interval)
	if strings.EqualFold(s, "off") || s == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q: want a duration such as 5m, or off", h.Interval)
	}
	if d < 10*time.Second {
		return 0, fmt.Errorf("%q: want at least 10s (or off): every beat is a request to every decoy vault", h.Interval)
	}
	return d, nil
}

// HeartbeatSLA is how long a vault's heartbeat may take to come back: the
// slowest of the push endpoint and every configured source, because
// honeyvault does not know which of them a vault's diagnostic setting
// feeds, and a heartbeat is late only once no source could still bring it.
func (c Config) HeartbeatSLA() time.Duration {
	sla := time.Duration(c.Heartbeat.PushSLA)
	if sla <= 0 {
		sla = FastSLA
	}
	pick := func(d Duration, def time.Duration) {
		if d <= 0 {
			d = Duration(def)
		}
		sla = max(sla, time.Duration(d))
	}
	for _, s := range c.Ingest.EventHubs {
		pick(s.HeartbeatSLA, FastSLA)
	}
	for _, s := range c.Ingest.Storage {
		pick(s.HeartbeatSLA, SlowSLA)
	}
	for _, s := range c.Ingest.LogAnalytics {
		pick(s.HeartbeatSLA, SlowSLA)
	}
	for _, s := range c.Ingest.Files {
		pick(s.HeartbeatSLA, SlowSLA)
	}
	return sla
}

func (c Config) validateHeartbeat() error {
	if _, err := c.Heartbeat.Every(); err != nil {
		return &Error{Setting: "heartbeat.interval", Err: err}
	}
	check := func(setting string, d Duration) error {
		if d < 0 || (d > 0 && d < Duration(time.Second)) {
			return &Error{Setting: setting, Err: fmt.Errorf("%s: want at least 1s (or leave it out for the default)", time.Duration(d))}
		}
		if d > Duration(24*time.Hour) {
			return &Error{Setting: setting, Err: errors.New("over 24h: a vault would be blind that long before anyone is told")}
		}
		return nil
	}
	if err := check("heartbeat.push_sla", c.Heartbeat.PushSLA); err != nil {
		return err
	}
	for i, s := range c.Ingest.EventHubs {
		if err := check(fmt.Sprintf("ingest.eventhubs[%d].heartbeat_sla", i), s.HeartbeatSLA); err != nil {
			return err
		}
	}
	for i, s := range c.Ingest.Storage {
		if err := check(fmt.Sprintf("ingest.storage[%d].heartbeat_sla", i), s.HeartbeatSLA); err != nil {
			return err
		}
	}
	for i, s := range c.Ingest.LogAnalytics {
		if err := check(fmt.Sprintf("ingest.loganalytics[%d].heartbeat_sla", i), s.HeartbeatSLA); err != nil {
			return err
		}
	}
	for i, s := range c.Ingest.Files {
		if err := check(fmt.Sprintf("ingest.files[%d].heartbeat_sla", i), s.HeartbeatSLA); err != nil {
			return err
		}
	}
	return nil
}
