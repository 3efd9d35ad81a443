package vaultsocket

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/ingest"
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

// accept serves the connections of one listener until it fails or the
// source closes.
func (s *Source) accept(ln net.Listener, failed chan struct{}) {
	defer s.wg.Done()
	for {
		conn, err := ln.Accept()
		if err != nil {
			s.endpointFailed(ln, failed, fmt.Errorf("vault socket %s: accept: %w", s.cfg.Name, err))
			return
		}
		if !s.admit(conn) {
			conn.Close()
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serve(conn)
		}()
	}
}

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

// admit checks the peer and the connection bound, and registers conn.
func (s *Source) admit(conn net.Conn) bool {
	peer := remoteAddr(conn)
	if len(s.cfg.AllowFrom) > 0 && !allowed(s.cfg.AllowFrom, peer) {
		s.log.Warn("vault socket: connection refused: address not allowed", "source", s.cfg.Name, "remote", peer.String())
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.stop:
		return false
	default:
	}
	if len(s.conns) >= s.cfg.MaxConnections {
		s.log.Warn("vault socket: connection refused: too many connections", "source", s.cfg.Name, "remote", peer.String(), "max", s.cfg.MaxConnections)
		return false
	}
	s.conns[conn] = struct{}{}
	return true
}

func remoteAddr(conn net.Conn) netip.Addr { return addrOf(conn.RemoteAddr()) }

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

// serve reads one connection's entries a batch at a time, each stored
// before the next is read.
func (s *Source) serve(conn net.Conn) {
	defer func() {
		s.mu.Lock()
		delete(s.conns, conn)
		s.mu.Unlock()
		conn.Close()
	}()
	r := &lineReader{br: bufio.NewReaderSize(conn, 64<<10), max: s.cfg.MaxLineBytes}
	name := "tcp:" + conn.RemoteAddr().String()
	dec := source.Decoding{Source: s.cfg.Name, Options: auditlog.ParseOptions{VaultCluster: s.cfg.VaultCluster}}
	for {
		b, err := s.readBatch(r, name, dec)
		if len(b.Events) > 0 || len(b.DeadLetters) > 0 {
			if !s.store(b) {
				return
			}
		}
		if err != nil {
			return // the peer closed or the connection broke: Vault reconnects
		}
	}
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

// readBatch waits for one line, then takes the complete lines already
// received, up to MaxBatchLines, and decodes them. A line over the bound
// ends the batch as a dead letter. err is the read error that ended the
// connection, with what was read before it.
func (s *Source) readBatch(r *lineReader, name string, dec source.Decoding) (store.Batch, error) {
	var b store.Batch
	var chunk []byte
	base := auditlog.Position{File: name, Line: r.line + 1, Offset: r.off}
	var err error
	for n := 0; n < s.cfg.MaxBatchLines && (n == 0 || r.lineWaiting()); n++ {
		pos := auditlog.Position{File: name, Line: r.line + 1, Offset: r.off}
		var line []byte
		var tooLong bool
		line, tooLong, err = r.next()
		if tooLong {
			b.DeadLetters = append(b.DeadLetters, store.DeadLetter{Source: s.cfg.Name, Position: pos.String(), Reason: "line longer than " + strconv.Itoa(r.max) + " bytes"})
			break
		}
		chunk = append(chunk, line...)
		if err != nil {
			break
		}
	}
	if len(bytes.TrimSpace(chunk)) == 0 {
		return b, err
	}
	return decodeLines(dec, chunk, base, b.DeadLetters), err
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
