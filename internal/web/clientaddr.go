package web

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

type clientAddrKey struct{}

// resolveClient works out, once per request, the address the audit trail
// and the sign-in rate limit key on. It is the connection's peer, unless the
// peer is one of the trusted reverse proxies: then it is the right-most
// address in X-Forwarded-For that is not itself a trusted proxy. Any client
// can send X-Forwarded-For, so it is read only from trusted peers, and only
// the hops those proxies appended count.
func resolveClient(trusted []netip.Prefix, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addr := peerAddr(r)
		if len(trusted) > 0 && isTrusted(trusted, addr) {
			addr = forwardedClient(trusted, r.Header.Values("X-Forwarded-For"), addr)
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientAddrKey{}, addr)))
	})
}

// clientAddr is the request's client address as resolveClient decided it.
func clientAddr(r *http.Request) string {
	if a, ok := r.Context().Value(clientAddrKey{}).(string); ok {
		return a
	}
	return peerAddr(r)
}

func peerAddr(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

func isTrusted(trusted []netip.Prefix, addr string) bool {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, p := range trusted {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// forwardedClient walks X-Forwarded-For from the right, past the trusted
// proxies, to the first hop no trusted proxy vouches for beyond.
func forwardedClient(trusted []netip.Prefix, headers []string, peer string) string {
	var hops []string
	for _, h := range headers {
		for _, hop := range strings.Split(h, ",") {
			hops = append(hops, strings.TrimSpace(hop))
		}
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		if _, err := netip.ParseAddr(hops[i]); err != nil {
			break // garbage: trust nothing further left
		}
		client = hops[i]
		if !isTrusted(trusted, client) {
			break
		}
	}
	return client
}
