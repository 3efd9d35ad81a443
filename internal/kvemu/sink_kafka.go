package kvemu

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/kgo"
)

// KafkaSink produces each batch as one {"records":[...]} message, the
// shape Azure Monitor sends to Event Hubs, which speaks the Kafka
// protocol. The caller owns (and closes) Client.
type KafkaSink struct {
	Client *kgo.Client
	// Topic is the Event Hub; empty means the diagnostic setting's
	// eventHubName, or Azure's default per category
	// (insights-logs-auditevent, insights-activity-logs).
	Topic string
}

// Write implements Sink.
func (k *KafkaSink) Write(ctx context.Context, b Batch) error {
	topic := k.Topic
	if topic == "" {
		topic = b.EventHub
	}
	if topic == "" {
		topic = defaultHub(b.Category)
	}
	body, err := envelope(b)
	if err != nil {
		return err
	}
	if err := k.Client.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: body}).FirstErr(); err != nil {
		return fmt.Errorf("kvemu: kafka sink: %w", err)
	}
	return nil
}
