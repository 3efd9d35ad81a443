package syslog

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/notify"
)

// rfc5424 matches a message as RFC 5424 section 6 lays it out.
var rfc5424 = regexp.MustCompile(`^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) (-|\[.*?[^\\]\]) (.*)$`)

func message() *notify.Message {
	m := notify.TestMessage("https://hv.example.com", time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC))
	m.Incident.ID, m.Incident.Severity = 7, "high"
	second := m.Alerts[0]
	second.Token, second.Operation, second.Caller.UPN = `we"ird]\name`, "KeySign", "x=y|z"
	m.Alerts = append(m.Alerts, second)
	return m
}

func TestSyslogOverUDP(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	n, err := New(Config{URL: "udp://" + pc.LocalAddr().String(), Hostname: "hv-1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Notify(context.Background(), message()); err != nil {
		t.Fatal(err)
	}
	var got []string
	buf := make([]byte, 65536)
	for range 2 {
		pc.SetReadDeadline(time.Now().Add(10 * time.Second))
		k, _, err := pc.ReadFrom(buf)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(buf[:k]))
	}
	for _, rec := range got {
		f := rfc5424.FindStringSubmatch(rec)
		if f == nil {
			t.Fatalf("not RFC 5424: %q", rec)
		}
		if pri, _ := strconv.Atoi(f[1]); pri != 4*8+3 {
			t.Errorf("PRI %d; want %d (auth, error)", pri, 4*8+3)
		}
		if f[3] != "hv-1" || f[4] != "honeyvault" || f[6] != "incident.test" {
			t.Errorf("header fields: %q", f[1:7])
		}
		if _, err := time.Parse(time.RFC3339Nano, f[2]); err != nil {
			t.Errorf("timestamp %q: %v", f[2], err)
		}
		if !strings.HasPrefix(f[7], "[honeyvault@32473 incident=\"7\" severity=\"high\"") {
			t.Errorf("structured data: %s", f[7])
		}
	}
	if !strings.Contains(got[1], `token="we\"ird\]\\name"`) {
		t.Errorf("SD-PARAM value not escaped: %s", got[1])
	}
}

func TestSyslogCEFOverTCP(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	got := make(chan []string, 1)
	go func() { got <- readFramed(l) }()
	n, _ := New(Config{URL: "tcp://" + l.Addr().String(), Format: CEF})
	if _, err := n.Notify(context.Background(), message()); err != nil {
		t.Fatal(err)
	}
	recs := <-got
	if len(recs) != 2 {
		t.Fatalf("got %d records; want 2: %q", len(recs), recs)
	}
	f := rfc5424.FindStringSubmatch(recs[1])
	if f == nil || f[7] != "-" {
		t.Fatalf("not RFC 5424 without structured data: %q", recs[1])
	}
	cef := f[8]
	if !strings.HasPrefix(cef, "CEF:0|honeyvault|honeyvault|1|honeytoken-secret-accessed|honeyvault test notification (not an incident)|8|") {
		t.Errorf("CEF header: %s", cef)
	}
	for _, want := range []string{"act=KeySign", `suser=x\=y|z`, "src=192.0.2.1", "cn1=7", "cs3=https://hv.example.com/incidents", "outcome=200", "rt=" + strconv.FormatInt(time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC).UnixMilli(), 10)} {
		if !strings.Contains(cef, want) {
			t.Errorf("CEF lacks %q: %s", want, cef)
		}
	}
}

func TestSyslogOverTLS(t *testing.T) {
	s := httptest.NewTLSServer(http.NotFoundHandler())
	cert := s.TLS.Certificates
	roots := x509.NewCertPool()
	roots.AddCert(s.Certificate())
	s.Close()
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: cert})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	got := make(chan []string, 1)
	go func() { got <- readFramed(l) }()
	n, _ := New(Config{URL: "tls://" + l.Addr().String(), TLSConfig: &tls.Config{RootCAs: roots}})
	if _, err := n.Notify(context.Background(), message()); err != nil {
		t.Fatal(err)
	}
	if recs := <-got; len(recs) != 2 || !rfc5424.MatchString(recs[0]) {
		t.Errorf("records: %q", recs)
	}
	// An untrusted collector is refused.
	bad, _ := New(Config{URL: "tls://" + l.Addr().String()})
	go readFramed(l)
	if _, err := bad.Notify(context.Background(), message()); err == nil {
		t.Error("sent to a collector with an untrusted certificate")
	}
}

func TestSyslogCollectorDownIsRetryable(t *testing.T) {
	n, _ := New(Config{URL: "tcp://127.0.0.1:1"})
	if retry, err := n.Notify(context.Background(), message()); err == nil || !retry {
		t.Errorf("retry=%v err=%v; want retryable", retry, err)
	}
}

// readFramed accepts one connection and reads octet-counted records
// (RFC 6587 3.4.1) until it closes.
func readFramed(l net.Listener) []string {
	c, err := l.Accept()
	if err != nil {
		return nil
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	var out []string
	for {
		lenStr, err := r.ReadString(' ')
		if err != nil {
			return out
		}
		n, err := strconv.Atoi(strings.TrimSpace(lenStr))
		if err != nil {
			return append(out, "bad frame length "+lenStr)
		}
		b := make([]byte, n)
		if _, err := io.ReadFull(r, b); err != nil {
			return out
		}
		out = append(out, string(b))
	}
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []Config{{URL: "http://x:514"}, {URL: "udp://x"}, {URL: "udp://x:514", Format: "leef"}} {
		if _, err := New(c); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

// FuzzRecords checks that nothing in an alert breaks the framing: every
// record is one line with a well-formed header.
func FuzzRecords(f *testing.F) {
	f.Add("kv-pay", "db-password", "SecretGet", "ann@example.com", "high", false)
	f.Add("kv\n]\"", "x\\]\"", "Op=|\\", "a\r\nb", "critical", true)
	f.Fuzz(func(t *testing.T, vault, token, op, upn, sev string, cef bool) {
		m := notify.TestMessage("https://hv", time.Unix(0, 0))
		m.Incident.Vault, m.Incident.Severity = vault, sev
		m.Alerts[0].Token, m.Alerts[0].Operation, m.Alerts[0].Caller.UPN = token, op, upn
		format := RFC5424
		if cef {
			format = CEF
		}
		for _, r := range Records(m, format, "host name\n", time.Unix(0, 0)) {
			if strings.ContainsAny(r, "\r\n") {
				t.Fatalf("record spans lines: %q", r)
			}
			if !rfc5424.MatchString(r) {
				t.Fatalf("not RFC 5424: %q", r)
			}
		}
	})
}
