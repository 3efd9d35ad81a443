package kvemu

import (
	"context"
	"slices"
	"sync"
)

// MemorySink keeps every record it receives, for tests. Records are also
// sent on C (when it was made with a buffer), blocking the destination's
// delivery while C is full: a test that reads C sees records as they land.
type MemorySink struct {
	// C receives each record in delivery order; nil when the sink was made
	// without a buffer.
	C chan Record

	mu      sync.Mutex
	records []Record
}

// NewMemorySink makes a memory sink; buffer > 0 also makes C.
func NewMemorySink(buffer int) *MemorySink {
	m := &MemorySink{}
	if buffer > 0 {
		m.C = make(chan Record, buffer)
	}
	return m
}

// Write implements Sink.
func (m *MemorySink) Write(ctx context.Context, b Batch) error {
	m.mu.Lock()
	m.records = append(m.records, b.Records...)
	m.mu.Unlock()
	if m.C == nil {
		return nil
	}
	for _, r := range b.Records {
		select {
		case m.C <- r:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Records returns every record received so far, in order.
func (m *MemorySink) Records() []Record {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.records)
}
