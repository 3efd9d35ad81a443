package store

import (
	"context"
	"errors"
	"testing"
	"time"

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
