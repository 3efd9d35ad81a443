package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/canary"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// A refresh replaces the planted baseline and audits it in one
// transaction; an unknown decoy or no actor changes nothing.
func TestCompleteRefresh(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		d := &registry.Decoy{VaultID: vaultA, Name: "orders-db-password", Type: registry.Secret, CreatedBy: "planter"}
		if err := s.BeginPlanting(ctx, []NewPlanting{{Decoy: d, PlantedBy: "oid-planter"}}); err != nil {
			t.Fatal(err)
		}
		who := AuditEntry{Actor: "system (scheduled refresh)", Detail: "refresh"}
		first := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		if err := s.CompletePlanting(ctx, d.ID, PlantedObject{ValueHash: "h1", Version: "v1", Created: first, Updated: first, Enabled: true}, who); err != nil {
			t.Fatal(err)
		}
		second := first.Add(90 * 24 * time.Hour)
		o := PlantedObject{ValueHash: "h2", Version: "v2", Created: second, Updated: second, Enabled: true}
		if err := s.CompleteRefresh(ctx, d.ID, o, AuditEntry{}); err == nil {
			t.Error("a refresh recorded without saying who")
		}
		if err := s.CompleteRefresh(ctx, d.ID+1000, o, who); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown decoy: %v; want ErrNotFound", err)
		}
		if err := s.CompleteRefresh(ctx, d.ID, o, who); err != nil {
			t.Fatal(err)
		}
		got, err := s.PlantedDecoys(ctx, DecoyFilter{VaultID: vaultA})
		if err != nil || len(got) != 1 || got[0].Planting == nil {
			t.Fatalf("%+v %v", got, err)
		}
		if p := got[0].Planting; p.State != Planted || p.Object.Version != "v2" || p.Object.ValueHash != "h2" || !p.Object.Created.Equal(second) {
			t.Errorf("baseline after refresh %+v; want version v2 created %v", p, second)
		}
		trail, err := s.ListAudit(ctx, AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		refreshes := 0
		for _, e := range trail {
			if e.Action == "decoy.refresh" {
				refreshes++
			}
		}
		if refreshes != 1 {
			t.Errorf("%d decoy.refresh rows; want 1 (refused ones leave none)", refreshes)
		}
	})
}

// A refresh taken back removes exactly its token and allow rule, with one
// audit row, in one transaction: a token or rule of another decoy (or
// none) is ErrNotFound and changes nothing.
func TestAbandonRefresh(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		planted, other := canary.NewToken(), canary.NewToken()
		d := &registry.Decoy{VaultID: vaultA, Name: "orders-webhook-url", Type: registry.Secret, CreatedBy: "planter"}
		o := &registry.Decoy{VaultID: vaultA, Name: "billing-webhook-url", Type: registry.Secret, CreatedBy: "planter"}
		if err := s.BeginPlanting(ctx, []NewPlanting{{Decoy: d, PlantedBy: "oid-planter", Canary: &NewCanary{Kind: canary.KindHTTP, Token: planted}},
			{Decoy: o, PlantedBy: "oid-planter", Canary: &NewCanary{Kind: canary.KindHTTP, Token: other}}}); err != nil {
			t.Fatal(err)
		}
		who := AuditEntry{Actor: "system (scheduled refresh)"}
		fresh := canary.NewToken()
		if err := s.AddCanary(ctx, d.ID, NewCanary{Kind: canary.KindHTTP, Token: fresh}); err != nil {
			t.Fatal(err)
		}
		rule := &AllowRule{Identity: "oid-planter", Operations: []string{"SecretSet"}, VaultID: vaultA, Type: registry.Secret, Name: d.Name, DecoyID: d.ID, Note: "refresh"}
		if err := s.AddAllowRule(ctx, rule, who); err != nil {
			t.Fatal(err)
		}
		rulesBefore, _ := s.AllowRules(ctx, time.Time{})
		for name, try := range map[string]func() error{
			"another decoy's token": func() error { return s.AbandonRefresh(ctx, d.ID, other, rule.ID, "x", who) },
			"another decoy's rule":  func() error { return s.AbandonRefresh(ctx, o.ID, "", rule.ID, "x", who) },
			"no actor":              func() error { return s.AbandonRefresh(ctx, d.ID, fresh, rule.ID, "x", AuditEntry{}) },
		} {
			if err := try(); err == nil {
				t.Errorf("%s: taken back", name)
			}
		}
		if c, err := s.DecoyCanary(ctx, d.ID); err != nil || c.Token != fresh {
			t.Fatalf("after refused attempts the newest token is %v (%v); want the fresh one still", c.ID, err)
		}
		if rules, _ := s.AllowRules(ctx, time.Time{}); len(rules) != len(rulesBefore) {
			t.Fatalf("%d allow rules after refused attempts; want %d", len(rules), len(rulesBefore))
		}

		if err := s.AbandonRefresh(ctx, d.ID, fresh, rule.ID, "the vault refused the write", who); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.CanaryByToken(ctx, fresh); !errors.Is(err, ErrNotFound) {
			t.Errorf("the abandoned token still names a decoy: %v", err)
		}
		for _, tok := range []string{planted, other} {
			if _, _, err := s.CanaryByToken(ctx, tok); err != nil {
				t.Errorf("a planted token was taken too: %v", err)
			}
		}
		if rules, _ := s.AllowRules(ctx, time.Time{}); len(rules) != len(rulesBefore)-1 {
			t.Errorf("%d allow rules; want %d", len(rules), len(rulesBefore)-1)
		}
		entries, err := s.ListAudit(ctx, AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range entries {
			if e.Action == "decoy.refresh-abandoned" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d decoy.refresh-abandoned rows; want 1", n)
		}
	})
}
