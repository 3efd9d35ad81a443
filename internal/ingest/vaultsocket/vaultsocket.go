package vaultsocket

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/ingest/source"
	"github.com/honeyvault/honeyvault/internal/store"
)

// Defaults for Config's zero fields.
const (
	DefaultMaxConnections = 16
	DefaultMaxLineBytes   = auditlog.DefaultMaxRecordSize
	DefaultMaxBatchLines  = 1000
)

// Config says where to listen and what to accept.
type Config struct {
	Name string // the source's name (Batch.Source)
	// Network is "tcp" (the default: Vault's socket device with
	// socket_type=tcp, or a syslog relay's newline-framed TCP) or "udp"
	// (socket_type=udp, or syslog over UDP: one entry a datagram; see
	// udp.go).
	Network string
	// Addr is the address to listen on (host:port).
	Addr string
	// VaultCluster names the cluster whose audit device connects (see
	// auditlog.ParseOptions); "" means auditlog.DefaultVaultCluster.
	VaultCluster string
	// MaxConnections bounds the connections served at once; 0 means
	// DefaultMaxConnections.
	MaxConnections int
	// MaxLineBytes bounds one entry; a longer line becomes a dead letter
	// (without its bytes). 0 means DefaultMaxLineBytes.
	MaxLineBytes int
	// MaxBatchLines bounds the entries stored together; 0 means
	// DefaultMaxBatchLines.
	MaxBatchLines int
	// AllowFrom lists the addresses and prefixes that may connect; empty
	// allows any.
	AllowFrom []netip.Prefix
}

// Source is the listener. It is a source.Poller (and an io.Closer): the
// first Poll starts listening, each Poll stores one batch. Safe for
// concurrent use.
type Source struct {
	cfg Config
	log *slog.Logger

	batches chan *pending // batches read, waiting for a Poll
	stop    chan struct{} // closed by Close
	once    sync.Once
	wg      sync.WaitGroup

	mu     sync.Mutex
	ln     endpoint      // a TCP listener or a UDP socket
	failed chan struct{} // closed when the current listener stops accepting
	err    error         // why it stopped
	conns  map[net.Conn]struct{}
}

// pending is a batch read from one connection, waiting to be stored: the
// connection reads no more until done says how the store went.
type pending struct {
	batch store.Batch
	done  chan error
}

// New returns a source for cfg; it listens at the first Poll.
func New(cfg Config, log *slog.Logger) *Source {
	if cfg.MaxConnections <= 0 {
		cfg.MaxConnections = DefaultMaxConnections
	}
	if cfg.MaxLineBytes <= 0 {
		cfg.MaxLineBytes = DefaultMaxLineBytes
	}
	if cfg.MaxBatchLines <= 0 {
		cfg.MaxBatchLines = DefaultMaxBatchLines
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Source{cfg: cfg, log: log, batches: make(chan *pending), stop: make(chan struct{}), conns: make(map[net.Conn]struct{})}
}

// Addr returns the address the source listens on, nil before the first
// Poll or after the listener failed.
func (s *Source) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// Connections returns how many connections are being served.
func (s *Source) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Poll listens if it does not yet, then waits for one batch from any
// connection and stores it. A failed store is returned (the runner backs
// off) and the batch is offered again; so is a listener that failed.
func (s *Source) Poll(ctx context.Context, sub source.Submitter) (bool, error) {
	failed, err := s.listen()
	if err != nil {
		return false, err
	}
	select {
	case p := <-s.batches:
		_, err := sub.Submit(ctx, p.batch)
		p.done <- err
		if err != nil {
			return false, fmt.Errorf("vault socket %s: storing %d entries: %w", s.cfg.Name, len(p.batch.Events), err)
		}
		return true, nil
	case <-failed:
		s.mu.Lock()
		defer s.mu.Unlock()
		return false, s.err
	case <-ctx.Done():
		return false, nil
	case <-s.stop:
		return false, nil
	}
}

// listen starts the listener when none runs, and returns the channel
// closed when it stops accepting.
func (s *Source) listen() (<-chan struct{}, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.stop:
		return nil, errors.New("vault socket: closed")
	default:
	}
	if s.ln != nil {
		return s.failed, nil
	}
	if s.cfg.Network == "udp" {
		pc, err := net.ListenPacket("udp", s.cfg.Addr)
		if err != nil {
			return nil, fmt.Errorf("vault socket %s: %w", s.cfg.Name, err)
		}
		ep := packetEndpoint{pc}
		s.ln, s.failed, s.err = ep, make(chan struct{}), nil
		s.log.Info("vault socket: listening", "source", s.cfg.Name, "addr", pc.LocalAddr().String(), "network", "udp")
		s.startUDP(ep, s.failed)
		return s.failed, nil
	}
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("vault socket %s: %w", s.cfg.Name, err)
	}
	s.ln, s.failed, s.err = ln, make(chan struct{}), nil
	s.log.Info("vault socket: listening", "source", s.cfg.Name, "addr", ln.Addr().String())
	s.wg.Add(1)
	go s.accept(ln, s.failed)
	return s.failed, nil
}

// Close stops listening, ends every connection and waits for their
// goroutines. Entries read but not stored are lost (logged, by count).
func (s *Source) Close() error {
	s.once.Do(func() {
		close(s.stop)
		s.mu.Lock()
		if s.ln != nil {
			s.ln.Close()
			s.ln = nil
		}
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
	})
	s.wg.Wait()
	return nil
}
