// Package kafkasink streams the Key Vault emulator's log records to Kafka,
// the protocol Event Hubs speaks, the way a diagnostic setting streams them
// to an event hub. It lives apart from internal/kvemu so that the emulator
// itself links no Kafka client.
package kafkasink

import (
	"context"
	"fmt"

	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Sink produces each batch as one {"records":[...]} message, the shape
// Azure Monitor sends to Event Hubs. The caller owns (and closes) Client.
type Sink struct {
	Client *kgo.Client
	// Topic is the Event Hub; empty means the diagnostic setting's
	// eventHubName, or Azure's default per category
	// (insights-logs-auditevent, insights-activity-logs).
	Topic string
}

// Write implements kvemu.Sink.
func (s *Sink) Write(ctx context.Context, b kvemu.Batch) error {
	topic := s.Topic
	if topic == "" {
		topic = b.EventHub
	}
	if topic == "" {
		topic = defaultHub(b.Category)
	}
	body, err := b.MarshalEnvelope()
	if err != nil {
		return err
	}
	if err := s.Client.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: body}).FirstErr(); err != nil {
		return fmt.Errorf("kafkasink: %w", err)
	}
	return nil
}

// defaultHub is the Event Hub Azure Monitor creates per category when a
// diagnostic setting names none.
func defaultHub(category string) string {
	if category == kvemu.CategoryAdministrative {
		return kvemu.ActivityContainer
	}
	return kvemu.AuditContainer
}
