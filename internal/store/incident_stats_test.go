package store

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
)

// seedChartIncidents stores three incidents: 1 (kv-pay, mallory, high,
// closed, day 1: two SecretGets of a and one KeyDecrypt of k), 2 (kv-pay,
// mallory, critical, new, day 2: SecretPurge of b), 3 (kv-hr, app eve,
// medium, active, day 2: SecretGetPolicy of c).
func seedChartIncidents(t *testing.T, s *Store) time.Time {
	t.Helper()
	day1 := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	mallory := auditlog.Caller{ObjectID: "m-oid", UPN: "mallory@contoso.com", IP: "203.0.113.7"}
	eve := auditlog.Caller{ObjectID: "e-oid", AppID: "eve-app", IP: "198.51.100.9"}
	type hit struct {
		op, class, token string
		c                auditlog.Caller
	}
	incidents := []struct {
		vault, severity, status string
		at                      time.Time
		hits                    []hit
	}{
		{"kv-pay", "high", "closed", day1.Add(8 * time.Hour), []hit{{"SecretGet", "read", "a", mallory}, {"SecretGet", "read", "a", mallory}, {"KeyDecrypt", "crypto", "k", mallory}}},
		{"kv-pay", "critical", "new", day1.Add(30 * time.Hour), []hit{{"SecretPurge", "purge", "b", mallory}}},
		{"kv-hr", "medium", "active", day1.Add(40 * time.Hour), []hit{{"SecretGetPolicy", "metadata", "c", eve}}},
	}
	err := s.Update(context.Background(), func(tx *Tx) error {
		for i, x := range incidents {
			in := Incident{GroupKey: fmt.Sprint(i), Title: "t", Severity: x.severity, AlertSeverity: x.severity, Status: x.status,
				VaultID: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/" + x.vault, VaultName: x.vault,
				CallerKey: x.hits[0].c.ObjectID, FirstSeen: x.at, LastSeen: x.at, AlertCount: len(x.hits), CreatedAt: x.at, UpdatedAt: x.at}
			if err := tx.InsertIncident(context.Background(), &in); err != nil {
				return err
			}
			for j, h := range x.hits {
				a := Alert{IncidentID: in.ID, EventKey: fmt.Sprint(i, "-", j), DecoyKey: x.vault + "/" + h.token, VaultID: in.VaultID,
					VaultName: x.vault, Token: h.token, TokenType: "secret", Time: x.at, CreatedAt: x.at, Operation: h.op, Class: h.class,
					Severity: "high", CallerKey: h.c.ObjectID, Caller: h.c}
				if _, err := tx.InsertAlert(context.Background(), &a); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return day1
}

func TestIncidentCountsChartsAndDigests(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		day1 := seedChartIncidents(t, s)

		counts, err := s.IncidentCounts(ctx, IncidentFilter{Status: "closed", BeforeID: 2})
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]int{"closed": 1, "new": 1, "active": 1}; !reflect.DeepEqual(counts, want) {
			t.Errorf("counts: got %v; want %v", counts, want)
		}
		counts, _ = s.IncidentCounts(ctx, IncidentFilter{Vault: "KV-PAY", SeenSince: day1.Add(24 * time.Hour)})
		if want := map[string]int{"new": 1}; !reflect.DeepEqual(counts, want) {
			t.Errorf("counts of kv-pay since day 2: got %v; want %v", counts, want)
		}

		c, err := s.IncidentCharts(ctx, IncidentFilter{BeforeID: 2})
		if err != nil {
			t.Fatal(err)
		}
		if want := map[time.Time]int{day1: 1, day1.Add(24 * time.Hour): 2}; !reflect.DeepEqual(c.ByDay, want) {
			t.Errorf("by day: got %v; want %v", c.ByDay, want)
		}
		if want := []Bucket{{Key: "kv-pay", N: 2}, {Key: "kv-hr", N: 1}}; !reflect.DeepEqual(c.ByVault, want) {
			t.Errorf("by vault: got %+v; want %+v", c.ByVault, want)
		}
		if want := []Bucket{{Key: "m-oid", Label: "mallory@contoso.com", N: 2}, {Key: "e-oid", Label: "eve-app", N: 1}}; !reflect.DeepEqual(c.ByCaller, want) {
			t.Errorf("by caller: got %+v; want %+v", c.ByCaller, want)
		}
		if want := []Bucket{{Key: "SecretGet", Class: "read", N: 2}, {Key: "KeyDecrypt", Class: "crypto", N: 1},
			{Key: "SecretGetPolicy", Class: "metadata", N: 1}, {Key: "SecretPurge", Class: "purge", N: 1}}; !reflect.DeepEqual(c.ByOperation, want) {
			t.Errorf("by operation: got %+v; want %+v", c.ByOperation, want)
		}
		c, _ = s.IncidentCharts(ctx, IncidentFilter{Status: "open", Severity: "critical"})
		if len(c.ByVault) != 1 || c.ByVault[0].N != 1 || len(c.ByOperation) != 1 || c.ByOperation[0].Key != "SecretPurge" {
			t.Errorf("open critical: %+v", c)
		}

		d, err := s.IncidentDigests(ctx, []int64{1, 3, 99})
		if err != nil {
			t.Fatal(err)
		}
		if len(d) != 2 || d[99] != nil {
			t.Fatalf("digests: %v", d)
		}
		if want := (IncidentDigest{Operations: []Bucket{{Key: "SecretGet", Class: "read", N: 2}, {Key: "KeyDecrypt", Class: "crypto", N: 1}},
			Decoys: []string{"a", "k"}, Caller: auditlog.Caller{ObjectID: "m-oid", UPN: "mallory@contoso.com", IP: "203.0.113.7"}}); !reflect.DeepEqual(*d[1], want) {
			t.Errorf("digest 1: got %+v; want %+v", *d[1], want)
		}
		if d[3].Caller.AppID != "eve-app" || len(d[3].Decoys) != 1 {
			t.Errorf("digest 3: %+v", *d[3])
		}
		if d, err := s.IncidentDigests(ctx, nil); err != nil || len(d) != 0 {
			t.Errorf("no ids: %v %v", d, err)
		}
	})
}
