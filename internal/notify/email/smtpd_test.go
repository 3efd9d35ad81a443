package email

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// smtpd is a small SMTP server on 127.0.0.1, enough of RFC 5321 for a real
// client: EHLO, STARTTLS (RFC 3207), AUTH PLAIN (RFC 4616), MAIL, RCPT,
// DATA, RSET, QUIT; implicit TLS when asked.
type smtpd struct {
	addr     string
	roots    *x509.CertPool // trusts the server's certificate
	tls      *tls.Config
	implicit bool   // TLS from the first byte
	startTLS bool   // offer STARTTLS
	user     string // AUTH PLAIN credentials; "" offers no AUTH
	pass     string
	mailCode string // reply to MAIL FROM, e.g. "451 try later"; "" accepts

	mu   sync.Mutex
	msgs []mailMsg
}

type mailMsg struct {
	from string
	to   []string
	data string
	tls  bool
	user string
}

// serverTLS borrows httptest's certificate for 127.0.0.1.
func serverTLS(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	s := httptest.NewTLSServer(http.NotFoundHandler())
	defer s.Close()
	roots := x509.NewCertPool()
	roots.AddCert(s.Certificate())
	return &tls.Config{Certificates: s.TLS.Certificates, MinVersion: tls.VersionTLS12}, roots
}

func startSMTPD(t *testing.T, d *smtpd) *smtpd {
	t.Helper()
	d.tls, d.roots = serverTLS(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	d.addr = l.Addr().String()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go d.serve(c)
		}
	}()
	return d
}

func (d *smtpd) messages() []mailMsg {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]mailMsg(nil), d.msgs...)
}

func (d *smtpd) serve(c net.Conn) {
	defer c.Close()
	secure := false
	if d.implicit {
		tc := tls.Server(c, d.tls)
		if tc.Handshake() != nil {
			return
		}
		c, secure = tc, true
	}
	r, w := bufio.NewReader(c), bufio.NewWriter(c)
	reply := func(s string) { w.WriteString(s + "\r\n"); w.Flush() }
	reply("220 127.0.0.1 ESMTP test")
	var cur mailMsg
	authed := ""
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			ext := []string{"127.0.0.1", "8BITMIME"}
			if d.startTLS && !secure {
				ext = append(ext, "STARTTLS")
			}
			if d.user != "" && secure {
				ext = append(ext, "AUTH PLAIN")
			}
			for i, e := range ext {
				sep := "-"
				if i == len(ext)-1 {
					sep = " "
				}
				w.WriteString("250" + sep + e + "\r\n")
			}
			w.Flush()
		case "STARTTLS":
			if !d.startTLS || secure {
				reply("502 not now")
				continue
			}
			reply("220 go ahead")
			tc := tls.Server(c, d.tls)
			if tc.Handshake() != nil {
				return
			}
			c, secure = tc, true
			r, w = bufio.NewReader(c), bufio.NewWriter(c)
			cur, authed = mailMsg{}, ""
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			if !strings.EqualFold(mech, "PLAIN") || d.user == "" || !secure {
				reply("504 unsupported")
				continue
			}
			raw, err := base64.StdEncoding.DecodeString(resp)
			parts := strings.Split(string(raw), "\x00")
			if err != nil || len(parts) != 3 || parts[1] != d.user || parts[2] != d.pass {
				reply("535 5.7.8 authentication failed")
				continue
			}
			authed = parts[1]
			reply("235 2.7.0 ok")
		case "MAIL":
			if d.user != "" && authed == "" {
				reply("530 5.7.0 authentication required")
				continue
			}
			if d.mailCode != "" {
				reply(d.mailCode)
				continue
			}
			from, _, _ := strings.Cut(strings.TrimPrefix(arg, "FROM:"), " ") // drop BODY=8BITMIME and the like
			cur = mailMsg{from: from, tls: secure, user: authed}
			reply("250 ok")
		case "RCPT":
			cur.to = append(cur.to, strings.TrimPrefix(arg, "TO:"))
			reply("250 ok")
		case "DATA":
			reply("354 end with .")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(strings.TrimPrefix(l, "."))
			}
			cur.data = b.String()
			d.mu.Lock()
			d.msgs = append(d.msgs, cur)
			d.mu.Unlock()
			reply("250 queued")
		case "RSET":
			cur = mailMsg{}
			reply("250 ok")
		case "NOOP":
			reply("250 ok")
		case "QUIT":
			reply("221 bye")
			return
		default:
			reply("500 unknown command")
		}
	}
}
