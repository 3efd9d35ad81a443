package vaultsocket

import (
	"net"
	"strconv"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/ingest/source"
	"github.com/honeyvault/honeyvault/internal/store"
)

// endpoint is what the source listens with: a net.Listener (TCP) or a
// packetEndpoint (UDP).
type endpoint interface {
	Addr() net.Addr
	Close() error
}

// packetEndpoint is a UDP socket as an endpoint.
type packetEndpoint struct{ net.PacketConn }

// Addr returns the socket's local address.
func (p packetEndpoint) Addr() net.Addr { return p.LocalAddr() }

// udpQueue bounds the datagrams received while a batch is being stored.
const udpQueue = 8192

// maxDatagram is the largest UDP payload.
const maxDatagram = 65535

// startUDP receives datagrams, one audit entry each (Vault's socket device
// with socket_type=udp, or a syslog message whose text is the entry), and
// stores them a batch at a time. UDP has no flow control: datagrams that
// arrive while the queue is full are dropped and counted in the log (Vault
// documents that its UDP device may lose entries too). Prefer TCP.
func (s *Source) startUDP(ep packetEndpoint, failed chan struct{}) {
	queue := make(chan []byte, udpQueue)
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		defer close(queue)
		s.receive(ep, queue, failed)
	}()
	go func() {
		defer s.wg.Done()
		s.batchDatagrams(queue, ep.LocalAddr().String())
	}()
}

// receive reads datagrams into queue until the socket fails or closes.
func (s *Source) receive(ep packetEndpoint, queue chan<- []byte, failed chan struct{}) {
	buf := make([]byte, maxDatagram)
	dropped := 0
	for {
		n, from, err := ep.ReadFrom(buf)
		if err != nil {
			s.endpointFailed(ep, failed, err)
			return
		}
		if len(s.cfg.AllowFrom) > 0 && !allowed(s.cfg.AllowFrom, addrOf(from)) {
			continue
		}
		d := append([]byte(nil), buf[:n]...)
		select {
		case queue <- d:
			if dropped > 0 {
				s.log.Warn("vault socket: datagrams dropped while storing was behind", "source", s.cfg.Name, "dropped", dropped)
				dropped = 0
			}
		default:
			dropped++
		}
	}
}

// batchDatagrams takes the datagrams queued (at least one, up to
// MaxBatchLines) as lines and stores them before taking more.
func (s *Source) batchDatagrams(queue <-chan []byte, local string) {
	dec := source.Decoding{Source: s.cfg.Name, Options: auditlog.ParseOptions{VaultCluster: s.cfg.VaultCluster}}
	name := "udp:" + local
	var line int64 = 1
	for first := range queue {
		var chunk []byte
		var dead []store.DeadLetter
		base := auditlog.Position{File: name, Line: line}
		add := func(d []byte) {
			if len(d) > s.cfg.MaxLineBytes {
				dead = append(dead, store.DeadLetter{Source: s.cfg.Name, Position: auditlog.Position{File: name, Line: line}.String(),
					Reason: "datagram longer than " + strconv.Itoa(s.cfg.MaxLineBytes) + " bytes"})
				d = nil
			}
			// One datagram, one line: newlines inside a datagram (a
			// syslog relay's framing) are only white space around it.
			for i, c := range d {
				if c == '\n' || c == '\r' {
					d[i] = ' '
				}
			}
			chunk = append(append(chunk, d...), '\n')
			line++
		}
		add(first)
	more:
		for n := 1; n < s.cfg.MaxBatchLines; n++ {
			select {
			case d, ok := <-queue:
				if !ok {
					break more
				}
				add(d)
			default:
				break more
			}
		}
		if !s.store(decodeLines(dec, chunk, base, dead)) {
			return
		}
	}
}
