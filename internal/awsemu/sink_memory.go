package awsemu

import (
	"context"
	"slices"
	"sync"
)

// MemorySink keeps every record it receives, for tests.
type MemorySink struct {
	mu      sync.Mutex
	records []Record
}

// NewMemorySink makes an empty memory sink.
func NewMemorySink() *MemorySink { return &MemorySink{} }

// Write implements Sink.
func (m *MemorySink) Write(_ context.Context, recs []Record) error {
	m.mu.Lock()
	m.records = append(m.records, recs...)
	m.mu.Unlock()
	return nil
}

// Records returns every record received so far, in delivery order.
func (m *MemorySink) Records() []Record {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.records)
}
