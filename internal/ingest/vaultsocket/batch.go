package vaultsocket

import (
	"errors"
	"net"
	"net/netip"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/ingest"
	"github.com/honeyvault/honeyvault/internal/ingest/source"
	"github.com/honeyvault/honeyvault/internal/store"
)

// endpointFailed forgets a listener that stopped (the next Poll opens
// another) and tells Poll why.
func (s *Source) endpointFailed(ep endpoint, failed chan struct{}, err error) {
	s.mu.Lock()
	if s.ln == ep {
		s.ln, s.err = nil, err
		ep.Close()
	}
	s.mu.Unlock()
	close(failed)
}

func addrOf(a net.Addr) netip.Addr {
	if ap, err := netip.ParseAddrPort(a.String()); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}

func allowed(list []netip.Prefix, a netip.Addr) bool {
	for _, p := range list {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// store offers b to Poll until it is stored, refused for good, or the
// source closes; false when the connection must end.
func (s *Source) store(b store.Batch) bool {
	for {
		p := &pending{batch: b, done: make(chan error, 1)}
		select {
		case s.batches <- p:
		case <-s.stop:
			s.log.Warn("vault socket: closing with entries not stored", "source", s.cfg.Name, "entries", len(b.Events))
			return false
		}
		err := <-p.done
		switch {
		case err == nil:
			return true
		case errors.Is(err, ingest.ErrRefused):
			s.log.Error("vault socket: the database refuses a batch, dropped", "source", s.cfg.Name, "entries", len(b.Events), "err", err)
			return true
		}
		// Offered again once the runner has backed off.
	}
}

// decodeLines decodes a chunk of entry lines into a batch, with dead
// letters for the lines that could not be read (and those given). Lines
// that start like gzip make the decoder fail on the whole chunk: it is
// then one dead letter, and the connection goes on.
func decodeLines(dec source.Decoding, chunk []byte, base auditlog.Position, dead []store.DeadLetter) store.Batch {
	events, bad, err := dec.Chunk(chunk, base)
	if err != nil {
		return store.Batch{DeadLetters: append(dead, store.DeadLetter{Source: dec.Source, Position: base.String(), Reason: err.Error()})}
	}
	return store.Batch{Events: events, DeadLetters: append(bad, dead...)}
}
