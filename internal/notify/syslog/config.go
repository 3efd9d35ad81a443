// Package syslog sends incidents to a syslog collector or SIEM as RFC 5424
// messages, one per alert, over UDP (RFC 5426: one message a datagram), TCP
// (RFC 6587 octet counting) or TLS (RFC 5425). The "cef" format puts an
// ArcSight Common Event Format record in the message part, which SIEMs
// (Sentinel's CEF connector, ArcSight, QRadar) parse into fields.
package syslog

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
)

// Formats.
const (
	RFC5424 = "rfc5424"
	CEF     = "cef"
)

// Config is one collector.
type Config struct {
	// URL is udp://HOST:PORT, tcp://HOST:PORT or tls://HOST:PORT.
	URL string
	// Format is RFC5424 (default: structured data plus a line for
	// people) or CEF.
	Format string
	// Hostname is the HOSTNAME field; "": the machine's name.
	Hostname string
	// TLSConfig adds trusted CAs for tls://; ServerName defaults to the
	// URL's host. nil: the system's roots.
	TLSConfig *tls.Config
}

// Validate reports what is wrong with c.
func (c Config) Validate() error {
	u, err := url.Parse(c.URL)
	if err != nil {
		return fmt.Errorf("syslog: url %q: %v", c.URL, err)
	}
	switch u.Scheme {
	case "udp", "tcp", "tls":
	default:
		return fmt.Errorf("syslog: url %q: want udp://, tcp:// or tls://HOST:PORT", c.URL)
	}
	if _, _, err := net.SplitHostPort(u.Host); err != nil {
		return fmt.Errorf("syslog: url %q has no HOST:PORT", c.URL)
	}
	switch c.Format {
	case "", RFC5424, CEF:
	default:
		return fmt.Errorf("syslog: format %q: want rfc5424 or cef", c.Format)
	}
	return nil
}
