package config

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Inventory configures serve's discovery of the key vaults of
// plant.subscriptions (every subscription the identity sees when empty),
// the basis of the console's coverage.
type Inventory struct {
	// Interval is how often discovery runs, as a duration ("1h"), or "off"
	// for never on a schedule (it still runs when an admin asks).
	Interval string `yaml:"interval"`
	// LateAfter is how long a vault with decoys may go without an audit
	// record before coverage calls its logging late.
	LateAfter Duration `yaml:"late_after"`
}

// DefaultInventory discovers vaults hourly and calls records late after a day.
func DefaultInventory() Inventory {
	return Inventory{Interval: "1h", LateAfter: Duration(24 * time.Hour)}
}

// Every is the discovery interval; 0 for off.
func (i Inventory) Every() (time.Duration, error) {
	s := strings.TrimSpace(i.Interval)
	if strings.EqualFold(s, "off") {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q: want a duration such as 1h, or off", i.Interval)
	}
	if d < time.Minute {
		return 0, fmt.Errorf("%q: want at least 1m (or off): every discovery lists every subscription", i.Interval)
	}
	return d, nil
}

func (i Inventory) validate() error {
	if _, err := i.Every(); err != nil {
		return &Error{Setting: "inventory.interval", Err: err}
	}
	if i.LateAfter < Duration(time.Minute) {
		return &Error{Setting: "inventory.late_after", Err: errors.New("must be at least 1m")}
	}
	return nil
}
