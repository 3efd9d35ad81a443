package vaultsocket

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"strconv"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/ingest/source"
	"github.com/honeyvault/honeyvault/internal/store"
)

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
