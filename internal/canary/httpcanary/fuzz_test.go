package httpcanary

import (
	"bufio"
	"bytes"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"
	"unicode/utf8"

	"github.com/honeyvault/honeyvault/internal/canary"
	"github.com/honeyvault/honeyvault/internal/canary/canarytest"
)

// storageAnswer is every answer to a storage request (answerStorage).
var storageAnswer = regexp.MustCompile(`^\x{feff}<\?xml version="1\.0" encoding="utf-8"\?><Error><Code>AuthenticationFailed</Code><Message>Server failed to authenticate the request\. ` +
	`Make sure the value of Authorization header is formed correctly including the signature\.\nRequestId:[0-9a-f-]{36}\nTime:[0-9T:.-]{27}Z</Message></Error>$`)

// FuzzHandler feeds raw request bytes through the handler: whatever they
// hold, the answer is one of the fixed ones (Azure Storage's with its own
// request id and time), at most one hit is
// recorded, and every Detail value is clipped valid UTF-8.
func FuzzHandler(f *testing.F) {
	tok := canary.NewToken()
	f.Add([]byte("GET /services/" + tok + " HTTP/1.1\r\nHost: hooks.example.net\r\n\r\n"))
	f.Add([]byte("PUT /" + tok + "/c/b HTTP/1.1\r\nHost: a\r\nAuthorization: SharedKey " + tok + ":c2ln\r\nx-ms-version: 2025-01-05\r\n\r\n"))
	f.Add([]byte("POST /x?sig=" + tok + " HTTP/1.1\r\nHost: a\r\nAuthorization: Basic dXNlcjpwYXNz\r\nContent-Length: 3\r\n\r\nabc"))
	sink := &canarytest.Sink{}
	s := New(Config{PerAddress: canary.Limit{Rate: 1e9, Burst: 1 << 30}}, sink, nil)
	f.Fuzz(func(t *testing.T, raw []byte) {
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
		if err != nil {
			return
		}
		req.RemoteAddr = "192.0.2.1:1234"
		sink.Reset()
		w := httptest.NewRecorder()
		s.serveHTTP(w, req)
		if body := w.Body.String(); !(w.Code == 403 && body == forbiddenBody || w.Code == 401 && body == unauthorizedBody ||
			w.Code == 403 && storageAnswer.MatchString(body)) {
			t.Fatalf("answer %d %q", w.Code, body)
		}
		hits := sink.Hits()
		if len(hits) != 1 {
			t.Fatalf("%d hits; want 1", len(hits))
		}
		if tok := hits[0].Token; tok != "" && !canary.ValidToken(tok) {
			t.Fatalf("token %q has not a token's shape", tok)
		}
		for k, v := range hits[0].Detail {
			if !utf8.ValidString(v) || len(v) > canary.MaxDetail+len("…") {
				t.Fatalf("detail %s: %d bytes, valid UTF-8 %v", k, len(v), utf8.ValidString(v))
			}
		}
	})
}
