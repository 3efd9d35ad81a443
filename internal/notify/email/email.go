package email

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/notify"
)

// Notifier sends messages through one SMTP server.
type Notifier struct{ c Config }

// New validates c and returns its notifier.
func New(c Config) (*Notifier, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.TLS == "" {
		c.TLS = StartTLS
	}
	return &Notifier{c: c}, nil
}

// Notify sends m to every recipient in one SMTP transaction. SMTP 4xx
// replies and network errors are retryable; 5xx replies, a server without
// STARTTLS or AUTH when they are needed, and certificate errors are not.
func (n *Notifier) Notify(ctx context.Context, m *notify.Message) (bool, error) {
	err := n.send(ctx, m)
	if err == nil {
		return false, nil
	}
	return retryable(err), fmt.Errorf("smtp %s: %w", n.c.Addr, err)
}

// errPermanent marks configuration problems no retry fixes.
var errPermanent = errors.New("permanent")

func retryable(err error) bool {
	var tp *textproto.Error
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	switch {
	case errors.Is(err, errPermanent):
		return false
	case errors.As(err, &tp):
		return tp.Code < 500
	case errors.As(err, &unknownCA), errors.As(err, &hostErr), errors.As(err, &invalid), errors.As(err, &verify):
		return false
	}
	return true
}

func (n *Notifier) send(ctx context.Context, m *notify.Message) error {
	host, _, _ := net.SplitHostPort(n.c.Addr)
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if n.c.TLSConfig != nil {
		tc = n.c.TLSConfig.Clone()
	}
	if tc.ServerName == "" {
		tc.ServerName = host
	}
	var conn net.Conn
	var err error
	d := &net.Dialer{}
	if n.c.TLS == Implicit {
		conn, err = (&tls.Dialer{NetDialer: d, Config: tc}).DialContext(ctx, "tcp", n.c.Addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", n.c.Addr)
	}
	if err != nil {
		return err
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	cl, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return err
	}
	defer cl.Close()
	hello := n.c.Hello
	if hello == "" {
		hello = "localhost"
	}
	if err := cl.Hello(hello); err != nil {
		return err
	}
	if n.c.TLS == StartTLS {
		if ok, _ := cl.Extension("STARTTLS"); !ok {
			return fmt.Errorf("%w: the server does not offer STARTTLS (set tls: tls or none)", errPermanent)
		}
		if err := cl.StartTLS(tc); err != nil {
			return err
		}
	}
	if n.c.Username != "" {
		if ok, _ := cl.Extension("AUTH"); !ok {
			return fmt.Errorf("%w: the server does not offer AUTH", errPermanent)
		}
		if err := cl.Auth(smtp.PlainAuth("", n.c.Username, n.c.Password, host)); err != nil {
			if strings.Contains(err.Error(), "unencrypted connection") {
				return fmt.Errorf("%w: refusing to send the password unencrypted", errPermanent)
			}
			return err
		}
	}
	from, _ := mail.ParseAddress(n.c.From)
	if err := cl.Mail(from.Address); err != nil {
		return err
	}
	for _, to := range n.c.To {
		a, _ := mail.ParseAddress(to)
		if err := cl.Rcpt(a.Address); err != nil {
			return err
		}
	}
	w, err := cl.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(Compose(n.c.From, n.c.To, m, time.Now())); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return cl.Quit()
}

// oneLine keeps a header value on one line: nothing from an audit record
// may start a header of its own.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// Compose renders m as an RFC 5322 message.
func Compose(from string, to []string, m *notify.Message, now time.Time) []byte {
	var b bytes.Buffer
	subject := fmt.Sprintf("[honeyvault] %s: %s on %s", strings.ToUpper(m.Incident.Severity), m.Incident.Title, m.Incident.Vault)
	if m.Kind == "update" {
		subject = "Re: " + subject
	}
	hdr := [][2]string{
		{"From", oneLine(from)},
		{"To", oneLine(strings.Join(to, ", "))},
		{"Subject", mime.QEncoding.Encode("utf-8", oneLine(subject))},
		{"Date", now.Format(time.RFC1123Z)},
		{"Message-ID", "<" + oneLine(m.IdempotencyKey) + "@honeyvault>"},
		{"MIME-Version", "1.0"},
		{"Content-Type", "text/plain; charset=utf-8"},
		{"Content-Transfer-Encoding", "quoted-printable"},
		{"X-Honeyvault-Incident", fmt.Sprint(m.Incident.ID)},
	}
	for _, h := range hdr {
		fmt.Fprintf(&b, "%s: %s\r\n", h[0], h[1])
	}
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	qp.Write([]byte(strings.ReplaceAll(m.Text(), "\n", "\r\n")))
	qp.Close()
	return b.Bytes()
}
