package syslog

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/honeyvault/honeyvault/internal/notify"
)

// maxUDP keeps a datagram inside what every collector accepts (RFC 5426
// asks receivers for at least 480 octets and recommends 2048; most take
// 8 KiB). Longer records are cut.
const maxUDP = 8192

// Notifier sends to one collector.
type Notifier struct {
	c      Config
	scheme string
	addr   string
}

// New validates c and returns its notifier.
func New(c Config) (*Notifier, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	u, _ := url.Parse(c.URL)
	if c.Hostname == "" {
		c.Hostname, _ = os.Hostname()
	}
	return &Notifier{c: c, scheme: u.Scheme, addr: u.Host}, nil
}

// Notify sends m's records over one connection. Every failure is
// retryable: a collector that is down or restarting comes back.
func (n *Notifier) Notify(ctx context.Context, m *notify.Message) (bool, error) {
	recs := Records(m, n.c.Format, n.c.Hostname, time.Now())
	conn, err := n.dial(ctx)
	if err != nil {
		return true, fmt.Errorf("syslog %s://%s: %w", n.scheme, n.addr, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	for _, r := range recs {
		var b []byte
		if n.scheme == "udp" {
			if len(r) > maxUDP {
				r = r[:maxUDP]
			}
			b = []byte(r)
		} else {
			b = []byte(strconv.Itoa(len(r)) + " " + r) // octet counting
		}
		if _, err := conn.Write(b); err != nil {
			return true, fmt.Errorf("syslog %s://%s: %w", n.scheme, n.addr, err)
		}
	}
	return false, nil
}

func (n *Notifier) dial(ctx context.Context) (net.Conn, error) {
	d := &net.Dialer{}
	switch n.scheme {
	case "udp":
		return d.DialContext(ctx, "udp", n.addr)
	case "tls":
		host, _, _ := net.SplitHostPort(n.addr)
		tc := &tls.Config{MinVersion: tls.VersionTLS12}
		if n.c.TLSConfig != nil {
			tc = n.c.TLSConfig.Clone()
		}
		if tc.ServerName == "" {
			tc.ServerName = host
		}
		return (&tls.Dialer{NetDialer: d, Config: tc}).DialContext(ctx, "tcp", n.addr)
	}
	return d.DialContext(ctx, "tcp", n.addr)
}
