package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/canary"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// A canary is stored with its decoy in one transaction and found by its
// token; a bad canary, a token already used and a canary on a key are
// refused and store nothing — not even the decoy.
func TestCanaryRegistry(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		tok := canary.NewToken()
		d := &registry.Decoy{VaultID: vaultA, Name: "orders-webhook-url", Type: registry.Secret, CreatedBy: "planter"}
		if err := s.BeginPlanting(ctx, []NewPlanting{{Decoy: d, PlantedBy: "oid-planter", Canary: &NewCanary{Kind: canary.KindHTTP, Token: tok}}}); err != nil {
			t.Fatal(err)
		}
		c, got, err := s.CanaryByToken(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		if c.DecoyID != d.ID || c.Kind != canary.KindHTTP || c.Token != tok || c.CreatedAt.IsZero() || got.ID != d.ID || got.Name != d.Name {
			t.Errorf("got %+v %+v; want the canary of decoy %d", c, got, d.ID)
		}
		if c2, err := s.DecoyCanary(ctx, d.ID); err != nil || c2.Token != tok {
			t.Errorf("DecoyCanary: %+v %v", c2, err)
		}
		for _, unknown := range []string{canary.NewToken(), "", "not-a-token", tok[:19], tok + "a"} {
			if _, _, err := s.CanaryByToken(ctx, unknown); !errors.Is(err, ErrNotFound) {
				t.Errorf("token %q: got %v; want ErrNotFound", unknown, err)
			}
		}

		bad := []struct {
			name string
			p    NewPlanting
			want error
		}{
			{"token used", NewPlanting{Decoy: &registry.Decoy{VaultID: vaultA, Name: "billing-hook", Type: registry.Secret}, Canary: &NewCanary{Kind: canary.KindDNS, Token: tok}}, ErrConflict},
			{"bad token", NewPlanting{Decoy: &registry.Decoy{VaultID: vaultA, Name: "billing-hook", Type: registry.Secret}, Canary: &NewCanary{Kind: canary.KindDNS, Token: "UPPER"}}, nil},
			{"bad kind", NewPlanting{Decoy: &registry.Decoy{VaultID: vaultA, Name: "billing-hook", Type: registry.Secret}, Canary: &NewCanary{Kind: "smtp", Token: canary.NewToken()}}, nil},
			{"on a key", NewPlanting{Decoy: &registry.Decoy{VaultID: vaultA, Name: "billing-hook", Type: registry.Key}, Canary: &NewCanary{Kind: canary.KindDNS, Token: canary.NewToken()}}, nil},
		}
		for _, tc := range bad {
			err := s.BeginPlanting(ctx, []NewPlanting{tc.p})
			if err == nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("%s: got %v; want an error (%v)", tc.name, err, tc.want)
			}
		}
		if all, err := s.ListDecoys(ctx, DecoyFilter{}); err != nil || len(all) != 1 {
			t.Errorf("refused plantings left decoys: %d %v", len(all), err)
		}

		// A new version of the value carries a new token; the old one still
		// names the decoy (the old version may be the one stolen).
		tok2 := canary.NewToken()
		if err := s.AddCanary(ctx, d.ID, NewCanary{Kind: canary.KindDNS, Token: tok2}); err != nil {
			t.Fatal(err)
		}
		for _, tk := range []string{tok, tok2} {
			if _, got, err := s.CanaryByToken(ctx, tk); err != nil || got.ID != d.ID {
				t.Errorf("token %s after a new version: %v %v", tk, got.ID, err)
			}
		}
		if c, err := s.DecoyCanary(ctx, d.ID); err != nil || c.Token != tok2 {
			t.Errorf("newest canary: %+v %v", c, err)
		}
		if err := s.AddCanary(ctx, d.ID, NewCanary{Kind: canary.KindDNS, Token: tok2}); !errors.Is(err, ErrConflict) {
			t.Errorf("a token reused: %v", err)
		}
		if err := s.AddCanary(ctx, d.ID+100, NewCanary{Kind: canary.KindDNS, Token: canary.NewToken()}); !errors.Is(err, ErrNotFound) {
			t.Errorf("no such decoy: %v", err)
		}

		// A planting the vault refused is forgotten, its canary with it.
		if err := s.AbandonPlanting(ctx, d.ID); err != nil {
			t.Fatal(err)
		}
		for _, tk := range []string{tok, tok2} {
			if _, _, err := s.CanaryByToken(ctx, tk); !errors.Is(err, ErrNotFound) {
				t.Errorf("a canary of an abandoned planting: %v", err)
			}
		}
	})
}

// OpenIncidentOfDecoy finds the newest open incident holding an alert of
// the decoy, never a closed one nor one of another decoy.
func TestOpenIncidentOfDecoy(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
		const mine, other = 7, 8
		var closed, open, foreign Incident
		err := s.Update(ctx, func(tx *Tx) error {
			for i, c := range []struct {
				in     *Incident
				status string
				decoy  int64
			}{{&closed, "closed", mine}, {&open, "active", mine}, {&foreign, "new", other}} {
				*c.in = Incident{GroupKey: "caller=x\nvault=y", Title: "t", Severity: "high", AlertSeverity: "high", Status: c.status,
					VaultID: vaultA, VaultName: "kv-a", FirstSeen: now, LastSeen: now, CreatedAt: now, UpdatedAt: now}
				if err := tx.InsertIncident(ctx, c.in); err != nil {
					return err
				}
				a := &Alert{IncidentID: c.in.ID, EventKey: string(rune('a' + i)), DecoyID: c.decoy, DecoyKey: "k", VaultID: vaultA, VaultName: "kv-a",
					Token: "n", TokenType: "secret", Time: now, CreatedAt: now, Operation: "SecretGet", Class: "read", Severity: "high"}
				if _, err := tx.InsertAlert(ctx, a); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var got Incident
		err = s.Update(ctx, func(tx *Tx) (err error) {
			got, err = tx.OpenIncidentOfDecoy(ctx, mine)
			return err
		})
		if err != nil || got.ID != open.ID {
			t.Errorf("got incident %d (%v); want %d", got.ID, err, open.ID)
		}
		err = s.Update(ctx, func(tx *Tx) error {
			_, err := tx.OpenIncidentOfDecoy(ctx, 9)
			return err
		})
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("a decoy with no alert: got %v; want ErrNotFound", err)
		}
	})
}

// The console shows each decoy's newest canary kind, looked up for a page
// of decoys at once; a decoy with a plain value has none.
func TestCanaryKinds(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		withCanary := &registry.Decoy{VaultID: vaultA, Name: "orders-webhook-url", Type: registry.Secret}
		plain := &registry.Decoy{VaultID: vaultA, Name: "orders-db-password", Type: registry.Secret}
		if err := s.BeginPlanting(ctx, []NewPlanting{
			{Decoy: withCanary, Canary: &NewCanary{Kind: canary.KindHTTP, Token: canary.NewToken()}},
			{Decoy: plain},
		}); err != nil {
			t.Fatal(err)
		}
		if err := s.AddCanary(ctx, withCanary.ID, NewCanary{Kind: canary.KindDNS, Token: canary.NewToken()}); err != nil {
			t.Fatal(err)
		}
		got, err := s.CanaryKinds(ctx, []int64{withCanary.ID, plain.ID, plain.ID + 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[withCanary.ID] != canary.KindDNS {
			t.Errorf("CanaryKinds = %v; want only decoy %d, with its newest kind dns", got, withCanary.ID)
		}
		if got, err := s.CanaryKinds(ctx, nil); err != nil || len(got) != 0 {
			t.Errorf("CanaryKinds(nil) = %v, %v; want none", got, err)
		}
	})
}
