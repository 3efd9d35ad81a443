package lab

import (
	"fmt"
	"net"
	"slices"
	"strings"

	"github.com/honeyvault/honeyvault/internal/app"
	"github.com/honeyvault/honeyvault/internal/canary"
	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/deploy"
	"github.com/honeyvault/honeyvault/internal/plant"
)

// The lab's canary zone and its name server. ".internal" is reserved for
// private use (ICANN, 2024): the names never resolve on the internet, and
// hold none of the giveaway words the planter refuses ("test",
// "example", "canary", …), as a real zone must not.
const (
	labCanaryZone = "svc.contoso-ops.internal"
	labCanaryNS   = "ns1.contoso-ops.internal"
)

// stateCanaries is where the lab's canary listeners answer, for lab attack
// in another process: the DNS listener is the attacker's "resolver".
type stateCanaries struct {
	HTTP     string `json:"http"`     // host:port
	DNS      string `json:"dns"`      // host:port, UDP and TCP
	Postgres string `json:"postgres"` // host:port
	Zone     string `json:"zone"`
}

// bindCanaries binds the three canary listeners on free loopback ports
// before anything is planted: the values point at them.
func (l *Lab) bindCanaries() error {
	c := config.Canary{Kinds: config.CanaryKinds,
		HTTP:     config.CanaryHTTP{Listen: "127.0.0.1:0"},
		DNS:      config.CanaryDNS{Listen: "127.0.0.1:0", Zone: labCanaryZone, NS: []string{labCanaryNS}},
		Postgres: config.CanaryPostgres{Listen: "127.0.0.1:0"},
	}
	ls, err := app.BindCanaryListeners(c)
	if err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	l.canaryLs = ls
	// The settings honeyvault runs with name the ports bound, so that
	// what it plants (the console's deploys) points at them too.
	c.HTTP.Listen, c.DNS.Listen, c.Postgres.Listen = ls.Addr(canary.KindHTTP), ls.Addr(canary.KindDNS), ls.Addr(canary.KindPostgres)
	c.HTTP.PublicURL = "http://" + c.HTTP.Listen
	c.Postgres.PublicHost = c.Postgres.Listen
	if _, err := deploy.CanariesOf(c); err != nil {
		return fmt.Errorf("lab: canary settings: %w", err)
	}
	l.canaryCfg = c
	return nil
}

// canariesFor are the canaries the planter puts into vault v's decoy
// secrets. The vaults the outside identities may read share the kinds out
// so that every kind is there to be read and used: with three or more of
// them, one kind each in turn (http, dns, postgres, http, …); with fewer,
// the kinds dealt round them (one vault: all three; two: http and postgres,
// then dns), a vault with several taking them in turn over as many decoy
// secrets (plant.Canaries.EveryKind; secretsFor plants that many). The
// other vaults take every kind, each secret the one that fits its value.
func (l *Lab) canariesFor(plans []vaultTemplate, vault string) plant.Canaries {
	all, _ := deploy.CanariesOf(l.canaryCfg) // checked by bindCanaries
	var readable []string
	for _, p := range plans {
		if !p.newcomer && !p.outsidersDenied {
			readable = append(readable, p.name)
		}
	}
	i := slices.IndexFunc(readable, func(name string) bool { return strings.EqualFold(name, vault) })
	if i < 0 {
		return all
	}
	var kinds []canary.Kind
	for j, k := range canary.Kinds {
		if j%len(readable) == i%len(canary.Kinds) {
			kinds = append(kinds, k)
		}
	}
	all.Kinds, all.EveryKind = kinds, len(kinds) > 1
	return all
}

// secretsFor is how many decoy secrets (and keys) a vault planted with c
// gets: as many as its kinds when it must carry each (EveryKind), else
// labSettings' draw (0).
func secretsFor(c plant.Canaries) int {
	if c.EveryKind {
		return len(c.Kinds)
	}
	return 0
}

// stateCanaries is what the state file says of the listeners.
func (l *Lab) stateCanaries() *stateCanaries {
	if l.canaryCfg.HTTP.Listen == "" {
		return nil
	}
	return &stateCanaries{HTTP: l.canaryCfg.HTTP.Listen, DNS: l.canaryCfg.DNS.Listen, Postgres: l.canaryCfg.Postgres.Listen, Zone: labCanaryZone}
}

// loopback reports whether hostport is on this machine: lab attack uses a
// canary value only against the lab's own listeners.
func loopback(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
