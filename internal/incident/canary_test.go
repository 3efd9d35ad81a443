package incident

import (
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// canaryEvent is decoy object of kv-pay's value used outside Key Vault
// from ip at t0+at.
func (e *env) canaryEvent(at time.Duration, object, ip string) auditlog.Event {
	e.n++
	return auditlog.Event{Kind: auditlog.KindCanary, Time: t0.Add(at), VaultID: vaultID("kv-pay"), VaultName: "kv-pay",
		ObjectType: registry.Secret, ObjectName: object, Operation: "canary:http", CorrelationID: "canary-" + string(rune('a'+e.n)),
		Caller: auditlog.Caller{IP: ip}}
}

// A canary use joins the open incident holding its decoy's read, however
// late and whoever used it; committed in the same batch as the read it
// joins it too; with no such incident it opens its own (titled so).
func TestCanaryGrouping(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		e.ingest(t, access{at: 0, caller: "alice", vault: "kv-pay", object: "db-password"})
		e.ingestEvents(t, e.canaryEvent(72*time.Hour, "db-password", "198.51.100.1"))
		in := e.incidents(t)
		if len(in) != 1 || in[0].AlertCount != 2 || in[0].Title != TitleSecret {
			t.Fatalf("a late use of a read decoy: %+v", in)
		}

		// Read and use in one transaction (the pipeline's group commit).
		read := e.event(access{at: time.Minute, caller: "bob", vault: "kv-pay", object: "api-key"})
		e.ingestEvents(t, read, e.canaryEvent(time.Minute+time.Millisecond, "api-key", "198.51.100.2"))
		in = e.incidents(t)
		if len(in) != 2 || in[1].AlertCount != 2 || in[1].DecoyCount != 1 {
			t.Fatalf("a use committed with its read: %+v", in)
		}

		e.ingestEvents(t, e.canaryEvent(time.Hour, "sa-conn", "198.51.100.3"))
		in = e.incidents(t)
		if len(in) != 3 || in[2].Title != TitleCanary || in[2].AlertCount != 1 || in[2].AlertSeverity != string(detect.High) {
			t.Fatalf("a use with no incident of its decoy: %+v", in)
		}
	})
}

// With every alert alone ("..."), a use is alone too.
func TestCanaryGroupingEveryAlertAlone(t *testing.T) {
	e := newEnv(t, "sqlite:"+t.TempDir()+"/hv.db")
	e.rec.Grouping, _ = NewGrouping([]string{"..."})
	e.ingest(t, access{at: 0, caller: "alice", vault: "kv-pay", object: "db-password"})
	e.ingestEvents(t, e.canaryEvent(time.Minute, "db-password", "198.51.100.1"))
	if in := e.incidents(t); len(in) != 2 {
		t.Errorf("%d incidents; want 2", len(in))
	}
}
