// Package email sends incidents by e-mail over SMTP: STARTTLS (the
// default, port 587), implicit TLS (port 465) or, on a trusted local relay
// only, plain; AUTH PLAIN when a username is set (never over an
// unencrypted connection to another host). The message is plain text,
// quoted-printable, with the incident's facts, its alerts and a link.
package email

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
)

// TLS modes.
const (
	StartTLS = "starttls" // plain connection upgraded with STARTTLS; refused if the server lacks it
	Implicit = "tls"      // TLS from the first byte
	None     = "none"     // no encryption: a local relay
)

// Config is one SMTP route.
type Config struct {
	Addr     string // HOST:PORT of the SMTP server
	TLS      string // StartTLS (default), Implicit or None
	Username string // AUTH PLAIN when set
	Password string
	From     string   // an address: "honeyvault <hv@example.com>"
	To       []string // addresses
	// TLSConfig adds trusted CAs or client certificates; ServerName
	// defaults to Addr's host. nil: the system's roots.
	TLSConfig *tls.Config
	// Hello is the name sent in EHLO; "": "localhost".
	Hello string
}

// Validate reports what is wrong with c.
func (c Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("email: smtp %q is not HOST:PORT", c.Addr)
	}
	switch c.TLS {
	case "", StartTLS, Implicit, None:
	default:
		return fmt.Errorf("email: tls %q: want starttls, tls or none", c.TLS)
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		return fmt.Errorf("email: from %q is not an address", c.From)
	}
	if len(c.To) == 0 {
		return errors.New("email: to is empty")
	}
	for _, to := range c.To {
		if _, err := mail.ParseAddress(to); err != nil {
			return fmt.Errorf("email: to %q is not an address", to)
		}
	}
	if c.Username == "" && c.Password != "" {
		return errors.New("email: password without username")
	}
	return nil
}
