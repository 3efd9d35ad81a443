package store

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
)

// TestIncidentTalliesMatchAlerts: the charts of alerts, read from the
// per-incident tallies, are what the alerts themselves add up to, for an
// incident with several callers, repeated operations, a suppressed hit and
// a repeated alert.
func TestIncidentTalliesMatchAlerts(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		seedChartIncidents(t, s)
		at := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
		// Each caller's greatest label comes last, so that keeping the first
		// one is seen.
		callers := []auditlog.Caller{{ObjectID: "t-oid", IP: "192.0.2.1"}, {ObjectID: "t-oid", UPN: "trent@contoso.com"},
			{ObjectID: "a-oid", AppID: "app-a"}, {ObjectID: "a-oid", AppID: "app-b"}, {ObjectID: "ip-only", IP: "192.0.2.9"}}
		err := s.Update(ctx, func(tx *Tx) error {
			in := Incident{GroupKey: "multi", Title: "t", Severity: "high", AlertSeverity: "high", Status: "new", VaultID: "/v/kv-ops",
				VaultName: "kv-ops", CallerKey: "t-oid", FirstSeen: at, LastSeen: at, CreatedAt: at, UpdatedAt: at}
			if err := tx.InsertIncident(ctx, &in); err != nil {
				return err
			}
			for i, c := range callers {
				for j, op := range []string{"SecretGet", "KeyDecrypt"} {
					for _, id := range []int64{in.ID, 0} { // a raised alert and a suppressed hit
						a := Alert{IncidentID: id, EventKey: fmt.Sprint("m-", i, "-", j, "-", id), DecoyKey: "kv-ops/x", Token: "x", Time: at,
							Operation: op, Class: []string{"read", "crypto"}[j] + fmt.Sprint(i%2), CallerKey: c.ObjectID, Caller: c}
						for range 2 { // the second insert is a repeat and stores nothing
							if _, err := tx.InsertAlert(ctx, &a); err != nil {
								return err
							}
						}
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		compareTallies(t, s)

		// A database upgraded by migration 0009 gets its tallies from the
		// alerts it holds: the same ones.
		for _, table := range []string{"incident_operations", "incident_callers"} {
			if _, err := s.w.ExecContext(ctx, "DELETE FROM "+table); err != nil {
				t.Fatal(err)
			}
		}
		body, err := migrationFiles.ReadFile("migrations/0009_incident_tallies.sql")
		if err != nil {
			t.Fatal(err)
		}
		backfill := string(body)[strings.Index(string(body), "INSERT INTO"):]
		for _, stmt := range strings.Split(backfill, ";") {
			if strings.TrimSpace(stmt) == "" {
				continue
			}
			if _, err := s.w.ExecContext(ctx, stmt); err != nil {
				t.Fatalf("%s: %v", stmt, err)
			}
		}
		compareTallies(t, s)
	})
}

// compareTallies checks that IncidentCharts' charts of alerts, from the
// tallies, are what the alerts add up to in a few filters.
func compareTallies(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	for _, f := range []IncidentFilter{{}, {Status: "open"}, {Vault: "kv-ops"}} {
		c, err := s.IncidentCharts(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var p params
		sub := "SELECT id FROM incidents" + f.where(&p, true)
		byCaller, err := s.buckets(ctx, "SELECT caller_key, MAX(COALESCE(NULLIF(caller_upn, ''), NULLIF(caller_app_id, ''), caller_ip)), '', "+
			"COUNT(DISTINCT incident_id) AS n FROM alerts WHERE incident_id IN ("+sub+") GROUP BY caller_key ORDER BY n DESC, caller_key", p)
		if err != nil {
			t.Fatal(err)
		}
		p = nil
		sub = "SELECT id FROM incidents" + f.where(&p, true)
		byOp, err := s.buckets(ctx, "SELECT operation, '', MAX(class), COUNT(*) AS n FROM alerts WHERE incident_id IN ("+sub+
			") GROUP BY operation ORDER BY n DESC, operation", p)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(c.ByCaller, byCaller) {
			t.Errorf("%+v: by caller: got %+v; the alerts say %+v", f, c.ByCaller, byCaller)
		}
		if !reflect.DeepEqual(c.ByOperation, byOp) {
			t.Errorf("%+v: by operation: got %+v; the alerts say %+v", f, c.ByOperation, byOp)
		}
		if len(byCaller) == 0 || len(byOp) == 0 {
			t.Errorf("%+v: nothing charted", f)
		}
	}
}
