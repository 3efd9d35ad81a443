package detect

import (
	"strings"
	"sync/atomic"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/auditpath"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// Alert says that an event touched a decoy.
type Alert struct {
	Decoy    registry.Decoy // identity fields only (see Index)
	Event    auditlog.Event
	Class    Class
	Severity Severity
	// Suppressed is set when an allow rule covers the access; AllowedBy is
	// that rule.
	Suppressed bool
	AllowedBy  *AllowRule
}

// AuthChallengeRule is the built-in rule that suppresses Key Vault's
// authentication handshake (see IsAuthChallenge).
var AuthChallengeRule = AllowRule{
	Identity: "(no credentials)",
	Note:     "the SDK's authentication handshake: Key Vault answered 401 before any token was sent",
}

// IsAuthChallenge reports whether ev is the unauthenticated first request
// every Key Vault SDK client sends to learn the vault's tenant: 401, no
// identity, and Key Vault's "AKV10000: Request is missing a Bearer or PoP
// token". The caller presented nothing and got nothing, and its real
// request follows at once under its identity, so such a hit is recorded as
// suppressed rather than raised: otherwise every access would raise a
// second, anonymous incident. A request with a bad or foreign token is
// not a handshake (Key Vault describes it otherwise) and does alert.
func IsAuthChallenge(ev *auditlog.Event) bool {
	c := ev.Caller
	return ev.HTTPStatus == 401 && c.ObjectID == "" && c.UPN == "" && c.AppID == "" &&
		strings.Contains(ev.ResultDescription, "AKV10000")
}

// Matcher decides which events touch decoys. It is safe for concurrent use,
// also while its index or allow list change.
type Matcher struct {
	index *Index
	allow atomic.Pointer[rules]
	dest  atomic.Pointer[auditpath.Destinations] // nil: none known
	// routes are, by vault key, the diagnostic settings the last check
	// found sending AuditEvent to honeyvault (see SetAuditRoutes).
	routes atomic.Pointer[map[string][]string]
}

// NewMatcher returns a matcher over ix with an allow list.
func NewMatcher(ix *Index, allow AllowList) *Matcher {
	m := &Matcher{index: ix}
	m.SetAllowList(allow)
	return m
}

// Index returns the matcher's index, to add or remove decoys.
func (m *Matcher) Index() *Index { return m.index }

// SetAllowList replaces the allow list. Rules scoped to a decoy or a vault
// are indexed by their scope, so a long list of them (one per planted
// decoy) costs a lookup per alert, not a scan.
func (m *Matcher) SetAllowList(l AllowList) { m.allow.Store(newRules(l)) }

// AllowList returns the current allow list (do not modify it).
func (m *Matcher) AllowList() AllowList { return m.allow.Load().all }

// Match returns an alert for every decoy the event touched, suppressed or
// not, in no particular order; nil when it touched none. Every operation
// that names a decoy alerts, failed ones included (a 403 is an attempt),
// except list calls and Key Vault's own notifications (see Class).
// Activity events never match here: tamper rules read them.
//
// A canary event (auditlog.KindCanary) names the decoy whose token the
// registry resolved, so it alerts even when the index no longer watches
// that decoy: a retired decoy's value, stolen before, is still a use.
func (m *Matcher) Match(ev *auditlog.Event) []Alert {
	decoys := m.index.Lookup(ev)
	if len(decoys) == 0 && ev.Kind == auditlog.KindCanary && ev.ObjectName != "" && ev.ObjectType != "" {
		decoys = []registry.Decoy{{VaultID: ev.VaultID, VaultName: ev.VaultName, Name: ev.ObjectName, Type: ev.ObjectType, Status: registry.Retired}}
	}
	if len(decoys) == 0 {
		return nil
	}
	class := Classify(ev)
	if !class.Alerts() {
		return nil
	}
	rs := m.allow.Load()
	challenge := IsAuthChallenge(ev)
	alerts := make([]Alert, len(decoys))
	for i, d := range decoys {
		rule, allowed := rs.allowed(d, ev.Caller, ev.Operation, class, ev.Time)
		if !allowed && challenge {
			rule, allowed = AuthChallengeRule, true
		}
		alerts[i] = Alert{Decoy: d, Event: *ev, Class: class, Severity: class.Severity(), Suppressed: allowed}
		if allowed {
			alerts[i].AllowedBy = &rule
		}
	}
	return alerts
}
