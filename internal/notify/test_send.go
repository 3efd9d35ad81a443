package notify

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrNoChannel is returned by SendTest for a channel name that is not
// configured.
var ErrNoChannel = errors.New("notify: no such channel")

// SendTest sends the test message (TestMessage: marked as a test, about no
// real incident, its link pointing at baseURL's incident list) through c
// once, within c's timeout. honeyvault notify test and the console's
// "Send test" button both send through here, so what a person sees from
// either is the same message.
func SendTest(ctx context.Context, c Channel, baseURL string, now time.Time) error {
	_, err := c.Send(ctx, TestMessage(baseURL, now))
	return err
}

// SendTest sends the test message through the worker's channel named name,
// directly (not through the outbox: a test is about this moment, and a
// retry later would only confuse). It does not change the channel's health:
// that tracks real notifications.
func (w *Worker) SendTest(ctx context.Context, name string) (Channel, error) {
	cs, ok := w.channels[name]
	if !ok {
		return Channel{}, fmt.Errorf("%w %q", ErrNoChannel, name)
	}
	return cs.Channel, SendTest(ctx, cs.Channel, w.opts.BaseURL, time.Now().UTC())
}
