package incident

import (
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

func TestSameCallerSameVaultJoinsOpenIncident(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		e.ingest(t, access{at: 0, caller: "mallory", vault: "kv-pay", object: "db-password"})
		e.ingest(t, access{at: time.Hour, caller: "mallory", vault: "kv-pay", object: "DB-PASSWORD", op: "SecretGetVersions"},
			access{at: 2 * time.Hour, caller: "mallory", vault: "kv-hr", object: "hr-admin"}, // another vault
			access{at: 2 * time.Hour, caller: "eve", vault: "kv-pay", object: "db-password"}, // another caller
			access{at: 3 * time.Hour, caller: "mallory", vault: "kv-pay", object: ""},        // a list: no alert
		)
		in := e.incidents(t)
		if got, want := len(in), 3; got != want {
			t.Fatalf("got %d incidents; want %d: %+v", got, want, in)
		}
		first := in[0]
		if got, want := first.AlertCount, 2; got != want {
			t.Errorf("alerts in the first incident: got %d; want %d", got, want)
		}
		if !first.FirstSeen.Equal(t0) || !first.LastSeen.Equal(t0.Add(time.Hour)) {
			t.Errorf("first/last seen: %v %v", first.FirstSeen, first.LastSeen)
		}
		if got, want := first.Title, TitleSecret; got != want {
			t.Errorf("title: got %q; want %q", got, want)
		}
		if first.Status != StatusNew || first.VaultName != "kv-pay" || first.CallerKey != "mallory" {
			t.Errorf("incident: %+v", first)
		}
		var groups []string
		for _, x := range in[1:] {
			groups = append(groups, x.VaultName+"/"+x.CallerKey)
		}
		if got, want := strings.Join(groups, " "), "kv-pay/eve kv-hr/mallory"; got != want {
			t.Errorf("other incidents: got %s; want %s", got, want)
		}
		// The notifier heard of every change in its transaction: three
		// incidents created, then the first one grown.
		cs := e.changes.all()
		if len(cs) != 4 || !cs[0].Created || cs[3].Created || cs[3].Incident.ID != first.ID || cs[3].LastAlertID <= cs[0].LastAlertID {
			t.Errorf("changes: %+v", cs)
		}
	})
}

func TestAccessAfterTheWindowOpensALinkedIncident(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		e.ingest(t, access{at: 0, caller: "mallory", vault: "kv-pay", object: "db-password"})
		e.ingest(t, access{at: 4 * time.Hour, caller: "mallory", vault: "kv-pay", object: "api-key"})             // within 5h of the last
		e.ingest(t, access{at: 9*time.Hour + time.Minute, caller: "mallory", vault: "kv-pay", object: "api-key"}) // 5h01 after it
		in := e.incidents(t)
		if len(in) != 2 {
			t.Fatalf("got %d incidents; want 2", len(in))
		}
		if in[0].AlertCount != 2 || in[1].AlertCount != 1 {
			t.Errorf("alert counts %d, %d; want 2, 1", in[0].AlertCount, in[1].AlertCount)
		}
		if got, want := in[1].PreviousID, in[0].ID; got != want {
			t.Errorf("previous id: got %d; want %d", got, want)
		}
	})
}

func TestNewActivityAfterCloseOpensALinkedIncident(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		e.ingest(t, access{at: 0, caller: "mallory", vault: "kv-pay", object: "db-password"})
		svc := &Service{Store: e.st}
		first := e.incidents(t)[0]
		if _, err := svc.Close(ctx, first.ID, Actor{Name: "ann@example.com"}, BenignPositive, "pen test"); err != nil {
			t.Fatal(err)
		}
		e.ingest(t, access{at: time.Minute, caller: "mallory", vault: "kv-pay", object: "db-password", op: "SecretSet"})
		in := e.incidents(t)
		if len(in) != 2 {
			t.Fatalf("got %d incidents; want 2", len(in))
		}
		if in[0].Status != StatusClosed || in[0].Classification != BenignPositive || in[0].AlertCount != 1 {
			t.Errorf("closed incident changed: %+v", in[0])
		}
		if in[1].Status != StatusNew || in[1].PreviousID != in[0].ID {
			t.Errorf("new incident: %+v", in[1])
		}
		hist, _ := e.st.IncidentHistory(ctx, in[1].ID)
		if len(hist) == 0 || hist[0].Action != "created" || hist[0].Actor != SystemActor {
			t.Errorf("history: %+v", hist)
		}
	})
}

func TestSeverityRisesWithAlertsAndDecoys(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		sev := func() string { return e.incidents(t)[0].Severity }
		e.ingest(t, access{at: 0, caller: "mallory", vault: "kv-pay", object: "db-password", op: "SecretUpdate"})
		if got, want := sev(), Medium; got != want {
			t.Fatalf("after a metadata update: got %q; want %q", got, want)
		}
		e.ingest(t, access{at: time.Minute, caller: "mallory", vault: "kv-pay", object: "api-key", op: "SecretDelete"})
		if got, want := sev(), Medium; got != want {
			t.Fatalf("two decoys, medium alerts: got %q; want %q", got, want)
		}
		e.ingest(t, access{at: 2 * time.Minute, caller: "mallory", vault: "kv-pay", object: "sa-conn", op: "SecretListVersions"})
		if got, want := sev(), High; got != want {
			t.Fatalf("three decoys, medium alerts: got %q; want %q", got, want)
		}
		e.ingest(t, access{at: 3 * time.Minute, caller: "mallory", vault: "kv-pay", object: "signing", typ: registry.Key, op: "KeySign"})
		if got, want := sev(), Critical; got != want {
			t.Fatalf("four decoys and a high alert: got %q; want %q", got, want)
		}
		in := e.incidents(t)[0]
		if in.DecoyCount != 4 || in.AlertSeverity != "high" || in.AlertCount != 4 {
			t.Errorf("incident: %+v", in)
		}
		var raised []string
		hist, _ := e.st.IncidentHistory(ctx, in.ID)
		for _, h := range hist {
			if h.Action == "severity" {
				raised = append(raised, h.OldValue+">"+h.NewValue)
			}
		}
		if got, want := len(raised), 2; got != want || raised[0] != "medium>high" || raised[1] != "high>critical" {
			t.Errorf("severity history %v; want [medium>high high>critical]", raised)
		}
	})
}

func TestSuppressedHitsAreStoredWithoutIncident(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		e.ingest(t, access{at: 0, caller: "planter", vault: "kv-pay", object: "db-password", op: "SecretSet"})
		if in := e.incidents(t); len(in) != 0 {
			t.Fatalf("incident from an allow-listed identity: %+v", in)
		}
		yes := true
		hits := e.alerts(t, store.AlertFilter{Suppressed: &yes})
		if len(hits) != 1 || hits[0].IncidentID != 0 || hits[0].AllowedBy != "planter" || hits[0].Token != "db-password" {
			t.Errorf("suppressed hits: %+v", hits)
		}
		if len(e.changes.all()) != 0 {
			t.Error("a suppressed hit was notified")
		}
	})
}

func TestRecordingTheSameAlertTwiceChangesNothing(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		ev := e.event(access{at: 0, caller: "mallory", vault: "kv-pay", object: "db-password"})
		alerts := e.matcher.Match(&ev)
		for range 2 {
			if err := e.st.Update(t.Context(), func(tx *store.Tx) error { return e.rec.Record(t.Context(), tx, alerts) }); err != nil {
				t.Fatal(err)
			}
		}
		in := e.incidents(t)
		if len(in) != 1 || in[0].AlertCount != 1 {
			t.Errorf("incidents after a repeat: %+v", in)
		}
		if got := len(e.changes.all()); got != 1 {
			t.Errorf("%d changes notified; want 1", got)
		}
	})
}

func TestCertificateAndKeyTitles(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		e.ingest(t, access{at: 0, caller: "mallory", vault: "kv-pay", object: "signing", typ: registry.Key, op: "KeyGet"})
		if got, want := e.incidents(t)[0].Title, TitleKey; got != want {
			t.Errorf("got %q; want %q", got, want)
		}
	})
}

func TestEntitiesOfAnIncident(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		e.ingest(t, access{at: 0, caller: "mallory", vault: "kv-pay", object: "db-password"},
			access{at: time.Minute, caller: "mallory", vault: "kv-pay", object: "signing", typ: registry.Key, op: "KeySign"})
		in := e.incidents(t)[0]
		ent, err := e.st.IncidentEntities(t.Context(), in.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(ent.Accounts) != 1 || ent.Accounts[0].ObjectID != "mallory" || ent.Accounts[0].UPN != "mallory@example.com" {
			t.Errorf("accounts: %+v", ent.Accounts)
		}
		if len(ent.IPs) != 1 || ent.IPs[0] != "203.0.113.7" || len(ent.ClientInfos) != 1 {
			t.Errorf("ips %v, client infos %v", ent.IPs, ent.ClientInfos)
		}
		if len(ent.Decoys) != 2 || ent.Decoys[0].Name != "db-password" || ent.Decoys[1].Type != "key" {
			t.Errorf("decoys: %+v", ent.Decoys)
		}
		if len(ent.Operations) != 2 || ent.Operations[0] != "KeySign" || len(ent.Vaults) != 1 {
			t.Errorf("operations %v, vaults %v", ent.Operations, ent.Vaults)
		}
	})
}
