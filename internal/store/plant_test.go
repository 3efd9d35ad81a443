package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/registry"
)

func TestPlantingLifecycle(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		d1 := &registry.Decoy{VaultID: vaultA, Name: "orders-db-password", Type: registry.Secret, CreatedBy: "planter@contoso.com"}
		d2 := &registry.Decoy{VaultID: vaultA, Name: "orders-signing", Type: registry.Key, CreatedBy: "planter@contoso.com"}
		rule := &AllowRule{Identity: "oid-planter", Operations: []string{"SecretSet"}, Expires: time.Now().Add(time.Hour), Note: "planting"}
		if err := s.BeginPlanting(ctx, []NewPlanting{{Decoy: d1, PlantedBy: "oid-planter", Allow: rule}, {Decoy: d2, PlantedBy: "oid-planter"}}); err != nil {
			t.Fatal(err)
		}
		if d1.ID == 0 || d2.ID == 0 || d1.Status != registry.Active || d1.CreatedAt.IsZero() {
			t.Fatalf("decoys not filled in: %+v %+v", d1, d2)
		}
		got, err := s.PlantedDecoys(ctx, DecoyFilter{VaultID: vaultA})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Planting == nil || got[0].Planting.State != PlantPending || got[0].Planting.PlantedBy != "oid-planter" {
			t.Fatalf("got %+v", got)
		}

		if got, _ := s.ListAudit(ctx, AuditFilter{}); len(got) != 0 {
			t.Errorf("a pending planting is in the audit trail: %+v", got)
		}

		created := time.Date(2026, 11, 20, 8, 0, 1, 0, time.UTC)
		obj := PlantedObject{ValueHash: "hmac-sha256:ab", Version: "0123456789abcdef0123456789abcdef", Created: created, Updated: created, Enabled: true}
		who := AuditEntry{Actor: "cli:alice", Detail: "as planter planter@contoso.com"}
		if err := s.CompletePlanting(ctx, d1.ID, obj, AuditEntry{}); err == nil {
			t.Error("a planting completed without saying who asked")
		}
		if err := s.CompletePlanting(ctx, d1.ID, obj, who); err != nil {
			t.Fatal(err)
		}
		if err := s.CompletePlanting(ctx, d1.ID+1000, obj, who); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown decoy: got %v; want ErrNotFound", err)
		}
		if err := s.CompletePlantings(ctx, []Completed{{DecoyID: d1.ID, Object: obj}, {DecoyID: d1.ID + 1000, Object: obj}}, who); !errors.Is(err, ErrNotFound) {
			t.Errorf("a batch with an unknown decoy: got %v; want ErrNotFound", err)
		}
		// One row for the one completed planting; the batch that rolled back
		// left none.
		trail, _ := s.ListAudit(ctx, AuditFilter{})
		if len(trail) != 1 {
			t.Fatalf("audit trail: got %+v; want one decoy.plant", trail)
		}
		if e := trail[0]; e.Action != "decoy.plant" || e.Actor != "cli:alice" || e.Target != fmt.Sprintf("decoy:%d", d1.ID) ||
			e.Detail != `secret "orders-db-password" in vault kv-a (`+vaultA+`); planted; as planter planter@contoso.com` {
			t.Errorf("audit row: got %+v", e)
		}
		// A planted decoy cannot be abandoned; a pending one can.
		if err := s.AbandonPlanting(ctx, d1.ID); !errors.Is(err, ErrConflict) {
			t.Errorf("abandon planted: got %v; want ErrConflict", err)
		}
		if err := s.AbandonPlanting(ctx, d2.ID); err != nil {
			t.Fatal(err)
		}
		got, _ = s.PlantedDecoys(ctx, DecoyFilter{})
		if len(got) != 1 || got[0].ID != d1.ID {
			t.Fatalf("after abandon: got %+v", got)
		}
		p := got[0].Planting
		if p.State != Planted || p.Object != obj {
			t.Errorf("planting: got %+v; want planted with %+v", p, obj)
		}
		// The baseline can be replaced; an empty hash keeps the stored one.
		obj2 := PlantedObject{Fingerprint: "ff", Created: created, Updated: created.Add(time.Second)}
		if err := s.SetPlantedObject(ctx, d1.ID, obj2); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
		if err := s.MarkReconciled(ctx, []int64{d1.ID}, at); err != nil {
			t.Fatal(err)
		}
		got, _ = s.PlantedDecoys(ctx, DecoyFilter{})
		p = got[0].Planting
		if p.Object.ValueHash != "hmac-sha256:ab" || p.Object.Fingerprint != "ff" || p.Object.Enabled || !p.ReconciledAt.Equal(at) || p.State != Planted {
			t.Errorf("after baseline: got %+v", p)
		}

		rules, err := s.AllowRules(ctx, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if len(rules) != 1 || rules[0].DecoyID != d1.ID || rules[0].Name != "orders-db-password" || rules[0].Type != registry.Secret ||
			rules[0].VaultID != registry.VaultKey(vaultA) || rules[0].Identity != "oid-planter" || len(rules[0].Operations) != 1 {
			t.Errorf("allow rules: got %+v", rules)
		}
	})
}

func TestBeginPlantingIsAllOrNothing(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if err := s.AddDecoy(ctx, &registry.Decoy{VaultID: vaultA, Name: "taken", Type: registry.Secret}); err != nil {
			t.Fatal(err)
		}
		err := s.BeginPlanting(ctx, []NewPlanting{
			{Decoy: &registry.Decoy{VaultID: vaultA, Name: "fresh", Type: registry.Secret}, PlantedBy: "x",
				Allow: &AllowRule{Identity: "x", Operations: []string{"SecretSet"}}},
			{Decoy: &registry.Decoy{VaultID: vaultA, Name: "TAKEN", Type: registry.Secret}, PlantedBy: "x"},
		})
		if !errors.Is(err, ErrConflict) {
			t.Fatalf("got %v; want ErrConflict", err)
		}
		all, _ := s.PlantedDecoys(ctx, DecoyFilter{})
		rules, _ := s.AllowRules(ctx, time.Time{})
		if len(all) != 1 || all[0].Planting != nil || len(rules) != 0 {
			t.Errorf("a failed batch left %d decoys, %d rules", len(all), len(rules))
		}
		bad := []NewPlanting{
			{Decoy: nil},
			{Decoy: &registry.Decoy{VaultID: "nope", Name: "x", Type: registry.Secret}},
			{Decoy: &registry.Decoy{VaultID: vaultA, Name: "x", Type: registry.Secret}, Allow: &AllowRule{Identity: " "}},
			{Decoy: &registry.Decoy{VaultID: vaultA, Name: "x", Type: registry.Secret}, Allow: &AllowRule{Identity: "a", Operations: []string{"a,b"}}},
		}
		for i, p := range bad {
			if err := s.BeginPlanting(ctx, []NewPlanting{p}); err == nil {
				t.Errorf("bad planting %d accepted", i)
			}
		}
	})
}

func TestAllowRulesExpiryAndPrune(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
		for _, r := range []AllowRule{
			{Identity: "forever"},
			{Identity: "old", Expires: now.Add(-48 * time.Hour)},
			{Identity: "recent", Expires: now.Add(-time.Hour)},
			{Identity: "future", Expires: now.Add(time.Hour)},
		} {
			if err := s.AddAllowRule(ctx, &r, AuditEntry{Actor: "cli:alice"}); err != nil {
				t.Fatal(err)
			}
		}
		rules, err := s.AllowRules(ctx, now.Add(-24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range rules {
			ids = append(ids, r.Identity)
		}
		if got, want := len(ids), 3; got != want || ids[0] != "forever" || ids[1] != "recent" || ids[2] != "future" {
			t.Errorf("got %v; want forever, recent, future", ids)
		}
		n, err := s.PruneAllowRules(ctx, now.Add(-24*time.Hour))
		if err != nil || n != 1 {
			t.Errorf("prune: got %d, %v; want 1", n, err)
		}
		if err := s.AddAllowRule(ctx, &AllowRule{}, AuditEntry{Actor: "cli:alice"}); err == nil {
			t.Errorf("a rule without identity was stored")
		}
		if err := s.AddAllowRule(ctx, &AllowRule{Identity: "nobody-asked"}, AuditEntry{}); err == nil {
			t.Errorf("a rule was stored without saying who asked")
		}
		trail, _ := s.ListAudit(ctx, AuditFilter{Action: "allow.add"})
		if len(trail) != 4 || trail[0].Target == "" || !strings.Contains(trail[0].Detail, "by future does not alert, until ") ||
			!strings.Contains(trail[3].Detail, "any operation by forever does not alert, no expiry") {
			t.Errorf("audit trail: got %+v", trail)
		}
	})
}

func TestFindingsOpenOncePerKind(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		who := AuditEntry{Actor: "cli:alice"}
		f := &Finding{DecoyID: 7, VaultID: vaultA, Kind: FindingDeleted, Detail: "soft-deleted"}
		if _, err := s.AddFinding(ctx, f, AuditEntry{}); err == nil {
			t.Error("a finding was added without saying who asked")
		}
		added, err := s.AddFinding(ctx, f, who)
		if err != nil || !added || f.ID == 0 {
			t.Fatalf("first: got %v, %v", added, err)
		}
		if added, _ := s.AddFinding(ctx, &Finding{DecoyID: 7, VaultID: vaultA, Kind: FindingDeleted}, who); added {
			t.Errorf("an open finding of the same kind was added twice")
		}
		if added, _ := s.AddFinding(ctx, &Finding{DecoyID: 7, VaultID: vaultA, Kind: FindingChanged}, who); !added {
			t.Errorf("a finding of another kind was not added")
		}
		open, _ := s.ListFindings(ctx, FindingFilter{OpenOnly: true, VaultID: vaultA})
		if len(open) != 2 {
			t.Fatalf("open: got %d; want 2", len(open))
		}
		at := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
		if n, err := s.ResolveFindings(ctx, 7, at, who, FindingDeleted); err != nil || n != 1 {
			t.Errorf("resolve: got %d, %v", n, err)
		}
		if added, _ := s.AddFinding(ctx, &Finding{DecoyID: 7, VaultID: vaultA, Kind: FindingDeleted}, who); !added {
			t.Errorf("a resolved finding blocks a new one")
		}
		if err := s.MarkFindingAlerted(ctx, f.ID, at); err != nil {
			t.Fatal(err)
		}
		all, _ := s.ListFindings(ctx, FindingFilter{DecoyID: 7})
		if len(all) != 3 || !all[0].ResolvedAt.Equal(at) || !all[0].AlertedAt.Equal(at) || all[0].Detail != "soft-deleted" {
			t.Errorf("got %+v", all)
		}
		if n, _ := s.ResolveFindings(ctx, 7, at, who); n != 2 {
			t.Errorf("resolve all: got %d; want 2", n)
		}
		if n, _ := s.ResolveFindings(ctx, 7, at, who); n != 0 {
			t.Errorf("resolve again: got %d; want 0", n)
		}
		// Three findings added, one resolved alone, two together; nothing
		// for the repeat or the no-op.
		trail, _ := s.ListAudit(ctx, AuditFilter{Action: "decoy."})
		if got, want := auditActions(trail), "decoy.finding_resolved decoy.finding decoy.finding_resolved decoy.finding decoy.finding"; got != want {
			t.Errorf("audit trail: got %q; want %q", got, want)
		}
		if e := trail[len(trail)-1]; e.Target != "decoy:7" || e.Actor != "cli:alice" || e.Detail != fmt.Sprintf("decoy 7 (not in the registry); finding %d: deleted; soft-deleted", f.ID) {
			t.Errorf("finding row: got %+v", e)
		}
		if _, err := s.AddFinding(ctx, &Finding{Kind: FindingGone}, who); err == nil {
			t.Errorf("a finding without a decoy was stored")
		}
		if err := s.MarkFindingAlerted(ctx, 999, at); !errors.Is(err, ErrNotFound) {
			t.Errorf("got %v; want ErrNotFound", err)
		}
	})
}
