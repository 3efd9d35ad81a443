package kvemu

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// mount is a service from another package answering on the emulator's
// listener (see Mount).
type mount struct {
	h        http.Handler
	audience string // the audience Request mints tokens for
}

// Mount serves the requests for hosts with h, on the emulator's listener
// beside the vaults, ARM and the sign-in endpoint: it is how an Azure
// service emulated in a package of its own (internal/kvemu/loganalytics)
// joins the estate without the emulator importing it. HTTPClient then sends
// the hosts to the listener, and Request mints tokens for the audience
// https://{the first host}. Only hosts the emulator's certificate covers
// for this purpose (mountableHosts: the Log Analytics query API's and a data collection endpoint) can be
// mounted, each once. h checks its callers with Authenticate.
func (e *Emulator) Mount(h http.Handler, hosts ...string) error {
	if h == nil || len(hosts) == 0 {
		return errors.New("kvemu: mount needs a handler and a host")
	}
	m := &mount{h: h, audience: "https://" + strings.ToLower(hosts[0])}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, host := range hosts {
		host = strings.ToLower(host)
		if !slices.Contains(mountableHosts, host) {
			return fmt.Errorf("kvemu: cannot mount %s: the certificate covers only %s", host, strings.Join(mountableHosts, ", "))
		}
		if e.mounts[host] != nil {
			return fmt.Errorf("kvemu: %s is mounted already", host)
		}
	}
	if e.mounts == nil {
		e.mounts = map[string]*mount{}
	}
	for _, host := range hosts {
		e.mounts[strings.ToLower(host)] = m
	}
	return nil
}

// mounted returns the service mounted at host (lower case), or nil.
func (e *Emulator) mounted(host string) *mount {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.mounts[host]
}

// ErrNoBearerToken is Authenticate's answer to a request that carries no
// "Authorization: Bearer ..." header.
var ErrNoBearerToken = errors.New("kvemu: no bearer token")

// Authenticate checks the bearer token of r, for a mounted service: that the
// emulator minted it and that it is valid now on the emulator's clock. It
// returns the audience the token was minted for, which the service compares
// with its own.
func (e *Emulator) Authenticate(r *http.Request) (audience string, err error) {
	raw, ok := bearerToken(r.Header.Get("Authorization"))
	if !ok {
		return "", ErrNoBearerToken
	}
	claims, err := e.parseToken(raw, e.Now())
	if err != nil {
		return "", err
	}
	return claims.Audience, nil
}

// TokenCaller is who a bearer token was minted for, and for which service.
type TokenCaller struct {
	Audience string
	ObjectID string // the oid claim: what role assignments name
}

// AuthenticateCaller is Authenticate for a mounted service that also
// authorizes its callers (the Logs Ingestion API lets only a rule's
// publishers upload): it returns the token's object id beside its audience.
func (e *Emulator) AuthenticateCaller(r *http.Request) (TokenCaller, error) {
	raw, ok := bearerToken(r.Header.Get("Authorization"))
	if !ok {
		return TokenCaller{}, ErrNoBearerToken
	}
	claims, err := e.parseToken(raw, e.Now())
	if err != nil {
		return TokenCaller{}, err
	}
	return TokenCaller{Audience: claims.Audience, ObjectID: claims.OID}, nil
}
