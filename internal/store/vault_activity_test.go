package store

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
)

func TestEventsPerHour(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		h0 := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
		var evs []auditlog.Event
		for i, at := range []time.Time{h0.Add(-time.Second), h0, h0.Add(59 * time.Minute), h0.Add(3*time.Hour + time.Minute)} {
			for _, vault := range []string{"KV-Pay", "kv-other"} {
				evs = append(evs, auditlog.Event{Kind: auditlog.KindAudit, Time: at, VaultName: vault, Operation: "SecretList",
					CorrelationID: fmt.Sprint(vault, i)})
			}
		}
		if _, err := s.Accept(ctx, []Batch{{Source: "test", Events: evs}}, nil); err != nil {
			t.Fatal(err)
		}
		got, err := s.EventsPerHour(ctx, "kv-pay", h0)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[time.Time]int{h0: 2, h0.Add(3 * time.Hour): 1}; !reflect.DeepEqual(got, want) {
			t.Errorf("got %v; want %v", got, want)
		}
	})
}
