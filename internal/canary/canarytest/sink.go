// Package canarytest holds what the canary listeners' tests share: a Sink
// that records the hits it is handed, so a test can count them. The real
// Sink, which turns a hit into an incident, lives downstream of the
// listeners and is tested there.
package canarytest

import (
	"context"
	"sync"

	"github.com/honeyvault/honeyvault/internal/canary"
)

// Sink records every hit it takes. Err, when set before use, is returned
// from every Hit (the hit is still recorded), to show a listener answers
// the same when its sink fails. It is safe for concurrent use.
type Sink struct {
	Err error

	mu   sync.Mutex
	hits []canary.Hit
}

// Hit records h.
func (s *Sink) Hit(_ context.Context, h canary.Hit) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hits = append(s.hits, h)
	return s.Err
}

// Hits returns the hits recorded so far, oldest first.
func (s *Sink) Hits() []canary.Hit {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]canary.Hit(nil), s.hits...)
}

// Reset forgets the hits recorded so far.
func (s *Sink) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hits = nil
}
