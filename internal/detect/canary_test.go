package detect

import (
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// A canary event (a decoy's value used outside Key Vault) matches exactly
// its decoy, of class used-outside-key-vault, high; the same operation
// name in a pushed Key Vault record is no canary, and a canary event
// naming no decoy matches nothing.
func TestCanaryEvents(t *testing.T) {
	ix, err := NewIndex(testDecoys())
	if err != nil {
		t.Fatal(err)
	}
	m := NewMatcher(ix, nil)
	canaryEv := func(vaultID, name string) auditlog.Event {
		return auditlog.Event{Kind: auditlog.KindCanary, Time: time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC), VaultID: vaultID,
			VaultName: vaultID[strings.LastIndex(vaultID, "/")+1:], ObjectType: registry.Secret, ObjectName: name, Operation: "canary:http",
			CorrelationID: "hit-1", Caller: auditlog.Caller{IP: "203.0.113.9"}}
	}
	ev := canaryEv(vaultPay, "db-password")
	if got, want := alertsOf(m.Match(&ev)), "1:secret/db-password used-outside-key-vault high"; got != want {
		t.Errorf("canary event: got %q; want %q", got, want)
	}
	if c := ClassCanary; !c.Alerts() || c.IsTamper() || c.Severity() != High {
		t.Errorf("class %s: alerts %v, tamper %v, severity %s", c, c.Alerts(), c.IsTamper(), c.Severity())
	}
	pushed := ev
	pushed.Kind = auditlog.KindAudit
	if c := Classify(&pushed); c == ClassCanary {
		t.Errorf("a Key Vault record named canary:http was classed %s", c)
	}
	for _, other := range []auditlog.Event{canaryEv(vaultPay, "no-such-secret"), canaryEv(vaultOther, "db-password")} {
		if got := m.Match(&other); got != nil {
			t.Errorf("%s in %s: got %s; want nothing", other.ObjectName, other.VaultName, alertsOf(got))
		}
	}
}
