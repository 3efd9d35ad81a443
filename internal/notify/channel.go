package notify

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Notifier sends a message somewhere. When it fails it says whether trying
// again later may work (a timeout, a 503) or not (a 404, a refused login).
type Notifier interface {
	Notify(ctx context.Context, m *Message) (retry bool, err error)
}

// Channel is a named, filtered Notifier: one entry of notify.channels.
type Channel struct {
	Name string
	Type string // webhook, slack, teams, email, syslog, loganalytics
	// Target says where the channel sends in a form safe to show: a URL's
	// scheme and host only (a webhook's path often is its secret), an SMTP
	// server and its recipients.
	Target   string
	Filter   Filter
	Notifier Notifier
	// Timeout bounds one attempt; 0 means DefaultTimeout.
	Timeout time.Duration
}

// DefaultTimeout bounds one attempt to send.
const DefaultTimeout = 10 * time.Second

func (c Channel) timeout() time.Duration {
	if c.Timeout <= 0 {
		return DefaultTimeout
	}
	return c.Timeout
}

// Send sends m through c once, within c's timeout.
func (c Channel) Send(ctx context.Context, m *Message) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	retry, err := c.Notifier.Notify(ctx, m)
	if err != nil {
		return retry, fmt.Errorf("%s %s: %w", c.Type, c.Name, err)
	}
	return false, nil
}

// Validate checks the channels as a set: each named, once.
func Validate(chs []Channel) error {
	seen := make(map[string]bool)
	for _, c := range chs {
		switch {
		case c.Name == "":
			return errors.New("notify: channel without a name")
		case seen[c.Name]:
			return fmt.Errorf("notify: channel %q defined twice", c.Name)
		case c.Notifier == nil:
			return fmt.Errorf("notify: channel %q has no notifier", c.Name)
		}
		seen[c.Name] = true
	}
	return nil
}
