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
// name in a pushed Key Vault record is no canary.
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
	// The registry resolved the token to a decoy the index no longer
	// watches (retired): still exactly one alert, for that decoy.
	gone := canaryEv(vaultOther, "old-db-password")
	if got := m.Match(&gone); len(got) != 1 || got[0].Decoy.Name != "old-db-password" || got[0].Decoy.VaultID != vaultOther ||
		got[0].Class != ClassCanary || got[0].Decoy.Status != registry.Retired {
		t.Errorf("a retired decoy's canary: got %+v", got)
	}
}
