package web

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestResolveClient(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.1/32")}
	tests := []struct {
		name    string
		trusted []netip.Prefix
		peer    string
		xff     []string
		want    string
	}{
		{"no proxies configured: the peer, whatever the header says", nil, "203.0.113.9:5555", []string{"198.51.100.1"}, "203.0.113.9"},
		{"untrusted peer: header ignored", trusted, "203.0.113.9:5555", []string{"198.51.100.1"}, "203.0.113.9"},
		{"trusted proxy: the hop it appended", trusted, "10.1.2.3:443", []string{"198.51.100.7"}, "198.51.100.7"},
		{"spoofed left part is not believed", trusted, "10.1.2.3:443", []string{"1.2.3.4, 198.51.100.7"}, "198.51.100.7"},
		{"chain of trusted proxies", trusted, "10.1.2.3:443", []string{"198.51.100.7, 192.0.2.1", "10.9.9.9"}, "198.51.100.7"},
		{"only proxies: the left-most", trusted, "10.1.2.3:443", []string{"10.2.2.2, 10.3.3.3"}, "10.2.2.2"},
		{"garbage hop stops the walk", trusted, "10.1.2.3:443", []string{"198.51.100.7, not-an-ip"}, "10.1.2.3"},
		{"no header: the proxy itself", trusted, "10.1.2.3:443", nil, "10.1.2.3"},
		{"IPv4-mapped peer", trusted, "[::ffff:10.1.2.3]:443", []string{"2001:db8::1"}, "2001:db8::1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got string
			h := resolveClient(tt.trusted, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = clientAddr(r) }))
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.peer
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if got != tt.want {
				t.Errorf("got %q; want %q", got, tt.want)
			}
		})
	}
}
