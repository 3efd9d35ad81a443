package email

import (
	"context"
	"crypto/tls"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/notify"
)

func testMessage() *notify.Message {
	m := notify.TestMessage("https://hv.example.com", time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC))
	m.Incident.Vault = "kv-pay\r\nBcc: evil@example.com" // a header injection attempt
	return m
}

func TestEmailOverSTARTTLSWithAuth(t *testing.T) {
	d := startSMTPD(t, &smtpd{startTLS: true, user: "hv", pass: "pw-0123456789"})
	n, err := New(Config{Addr: d.addr, Username: "hv", Password: "pw-0123456789", From: "honeyvault <hv@example.com>",
		To: []string{"soc@example.com", "Ann <ann@example.com>"}, TLSConfig: &tls.Config{RootCAs: d.roots}})
	if err != nil {
		t.Fatal(err)
	}
	if retry, err := n.Notify(context.Background(), testMessage()); err != nil {
		t.Fatalf("notify: %v (retry %v)", err, retry)
	}
	msgs := d.messages()
	if len(msgs) != 1 {
		t.Fatalf("got %d messages; want 1", len(msgs))
	}
	got := msgs[0]
	if !got.tls || got.user != "hv" || got.from != "<hv@example.com>" || strings.Join(got.to, ",") != "<soc@example.com>,<ann@example.com>" {
		t.Errorf("envelope: %+v", got)
	}
	msg, err := mail.ReadMessage(strings.NewReader(got.data))
	if err != nil {
		t.Fatal(err)
	}
	if msg.Header.Get("Bcc") != "" {
		t.Error("header injection through the vault name")
	}
	subj, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if !strings.Contains(subj, "honeyvault test notification") || !strings.HasPrefix(subj, "[honeyvault] MEDIUM:") {
		t.Errorf("subject %q", subj)
	}
	body, _ := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if !strings.Contains(string(body), "https://hv.example.com/incidents") || !strings.Contains(string(body), "SecretGet secret kv-example/example-decoy") {
		t.Errorf("body:\n%s", body)
	}
}

func TestEmailOverImplicitTLS(t *testing.T) {
	d := startSMTPD(t, &smtpd{implicit: true, user: "hv", pass: "pw"})
	n, _ := New(Config{Addr: d.addr, TLS: Implicit, Username: "hv", Password: "pw", From: "hv@example.com",
		To: []string{"soc@example.com"}, TLSConfig: &tls.Config{RootCAs: d.roots}})
	if _, err := n.Notify(context.Background(), testMessage()); err != nil {
		t.Fatal(err)
	}
	if msgs := d.messages(); len(msgs) != 1 || !msgs[0].tls {
		t.Errorf("messages: %+v", msgs)
	}
}

func TestEmailFailures(t *testing.T) {
	tests := []struct {
		name      string
		server    *smtpd
		cfg       func(d *smtpd) Config
		wantRetry bool
	}{
		{"no STARTTLS offered", &smtpd{}, func(d *smtpd) Config {
			return Config{Addr: d.addr, From: "a@example.com", To: []string{"b@example.com"}, TLSConfig: &tls.Config{RootCAs: d.roots}}
		}, false},
		{"untrusted certificate", &smtpd{startTLS: true}, func(d *smtpd) Config {
			return Config{Addr: d.addr, From: "a@example.com", To: []string{"b@example.com"}}
		}, false},
		{"wrong password", &smtpd{startTLS: true, user: "hv", pass: "right"}, func(d *smtpd) Config {
			return Config{Addr: d.addr, Username: "hv", Password: "wrong", From: "a@example.com", To: []string{"b@example.com"}, TLSConfig: &tls.Config{RootCAs: d.roots}}
		}, false},
		{"greylisted", &smtpd{startTLS: true, mailCode: "451 4.7.1 try again later"}, func(d *smtpd) Config {
			return Config{Addr: d.addr, From: "a@example.com", To: []string{"b@example.com"}, TLSConfig: &tls.Config{RootCAs: d.roots}}
		}, true},
		{"rejected sender", &smtpd{startTLS: true, mailCode: "550 5.7.1 not allowed"}, func(d *smtpd) Config {
			return Config{Addr: d.addr, From: "a@example.com", To: []string{"b@example.com"}, TLSConfig: &tls.Config{RootCAs: d.roots}}
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := startSMTPD(t, tt.server)
			n, err := New(tt.cfg(d))
			if err != nil {
				t.Fatal(err)
			}
			retry, err := n.Notify(context.Background(), testMessage())
			if err == nil || retry != tt.wantRetry {
				t.Errorf("got retry=%v err=%v; want retry=%v and an error", retry, err, tt.wantRetry)
			}
			if err != nil && strings.Contains(err.Error(), "right") {
				t.Errorf("error shows the password: %v", err)
			}
			if len(d.messages()) != 0 {
				t.Error("a message was delivered")
			}
		})
	}
	// Nothing listening: retryable.
	n, _ := New(Config{Addr: "127.0.0.1:1", From: "a@example.com", To: []string{"b@example.com"}})
	if retry, err := n.Notify(context.Background(), testMessage()); err == nil || !retry {
		t.Errorf("refused connection: retry=%v err=%v; want retryable", retry, err)
	}
}

func TestEmailConfigValidate(t *testing.T) {
	ok := Config{Addr: "smtp.example.com:587", From: "a@example.com", To: []string{"b@example.com"}}
	bad := []func(c *Config){
		func(c *Config) { c.Addr = "smtp.example.com" },
		func(c *Config) { c.TLS = "ssl" },
		func(c *Config) { c.From = "not an address" },
		func(c *Config) { c.To = nil },
		func(c *Config) { c.To = []string{"x"} },
		func(c *Config) { c.Password = "p" },
	}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for i, f := range bad {
		c := ok
		f(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("case %d accepted: %+v", i, c)
		}
	}
}
