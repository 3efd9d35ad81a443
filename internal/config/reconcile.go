package config

import (
	"fmt"
	"strings"
	"time"
)

// Reconcile configures serve's drift check: reconcile (the registry against
// the vaults, by list calls) on a schedule, every new finding an alert.
type Reconcile struct {
	// Interval is how often serve reconciles, as a duration ("1h"), or
	// "off" for never on a schedule (an admin can still run it:
	// POST /api/v1/reconcile).
	Interval string `yaml:"interval"`
}

// DefaultReconcile reconciles hourly.
func DefaultReconcile() Reconcile { return Reconcile{Interval: "1h"} }

// Every is the reconcile interval; 0 for off.
func (r Reconcile) Every() (time.Duration, error) {
	s := strings.TrimSpace(r.Interval)
	if strings.EqualFold(s, "off") {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q: want a duration such as 1h, or off", r.Interval)
	}
	if d < time.Minute {
		return 0, fmt.Errorf("%q: want at least 1m (or off): every run lists every vault holding decoys", r.Interval)
	}
	return d, nil
}

func (r Reconcile) validate() error {
	if _, err := r.Every(); err != nil {
		return &Error{Setting: "reconcile.interval", Err: err}
	}
	return nil
}
