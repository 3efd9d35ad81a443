package canary

import (
	"net"
	"net/netip"
	"sync"
)

// ConnLimit bounds the connections a TCP listener serves at once: Total
// in all, PerAddress from one source address (IPv6 by its /64, as Limiter
// counts). A field left zero (or negative) takes DefaultConnLimit's.
type ConnLimit struct {
	Total      int
	PerAddress int
}

// DefaultConnLimit lets one source hold 16 connections — a client pool
// retrying a stolen value — out of 256.
var DefaultConnLimit = ConnLimit{Total: 256, PerAddress: 16}

func (c ConnLimit) orDefault() ConnLimit {
	if c.Total <= 0 {
		c.Total = DefaultConnLimit.Total
	}
	if c.PerAddress <= 0 {
		c.PerAddress = min(DefaultConnLimit.PerAddress, c.Total)
	}
	return c
}

// LimitConns returns a listener accepting from l that closes at once,
// unserved, a connection beyond c: over its source's share or over the
// total. Closing rather than waiting to accept is what lets another
// source in while one floods — a listener that stops accepting when full
// (netutil.LimitListener) starves everyone alike. A refused client sees
// what an overloaded server gives: a connection reset or closed. Memory
// is bounded by Total: only sources with a connection open are counted.
// refused, when not nil, is called for each connection closed unserved.
func LimitConns(l net.Listener, c ConnLimit, refused func(remote netip.AddrPort)) net.Listener {
	return &connLimiter{Listener: l, limit: c.orDefault(), refused: refused, open: map[netip.Addr]int{}}
}

type connLimiter struct {
	net.Listener
	limit   ConnLimit
	refused func(netip.AddrPort)

	mu    sync.Mutex
	total int
	open  map[netip.Addr]int // source key → connections open
}

// Accept returns the next connection within the limits.
func (l *connLimiter) Accept() (net.Conn, error) {
	for {
		conn, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		remote := RemoteAddr(conn.RemoteAddr().String())
		key := limitKey(remote.Addr())
		if l.take(key) {
			return &limitedConn{Conn: conn, release: func() { l.release(key) }}, nil
		}
		conn.Close()
		if l.refused != nil {
			l.refused(remote)
		}
	}
}

func (l *connLimiter) take(key netip.Addr) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.total >= l.limit.Total || l.open[key] >= l.limit.PerAddress {
		return false
	}
	l.total++
	l.open[key]++
	return true
}

func (l *connLimiter) release(key netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total--
	if l.open[key]--; l.open[key] <= 0 {
		delete(l.open, key)
	}
}

// limitedConn gives its place back on its first Close.
type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// CloseWrite half-closes the connection when it can (net/http does so
// before closing, so that a client still sending gets the answer rather
// than a reset).
func (c *limitedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
