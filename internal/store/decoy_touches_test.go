package store

import (
	"context"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/registry"
)

func TestDecoySearchMatchesLiterally(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		vault := func(name string) string {
			return "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/" + name
		}
		if _, err := s.ImportDecoys(ctx, []registry.Decoy{
			{VaultID: vault("kv-pay"), Name: "Pay-Db-50pct", Type: registry.Secret, CreatedBy: "t"},
			{VaultID: vault("kv-pay"), Name: "PayXDbX50", Type: registry.Secret, CreatedBy: "t"},
			{VaultID: vault("kv-hr"), Name: "hr-key", Type: registry.Key, CreatedBy: "t"},
		}); err != nil {
			t.Fatal(err)
		}
		names := func(f DecoyFilter) []string {
			t.Helper()
			ds, err := s.ListDecoys(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, d := range ds {
				out = append(out, d.Name)
			}
			return out
		}
		for _, tt := range []struct {
			search string
			want   int
		}{{"pay-db", 1}, {"PAY", 2}, {"_", 0}, {"%", 0}, {"!", 0}, {"kv-hr", 1}, {"  db  ", 2}, {"", 3}} {
			if got := names(DecoyFilter{Search: tt.search}); len(got) != tt.want {
				t.Errorf("search %q: got %v; want %d", tt.search, got, tt.want)
			}
		}
		if got := names(DecoyFilter{Search: "pay", Type: registry.Key}); len(got) != 0 {
			t.Errorf("search with type: %v", got)
		}
	})
}

func TestDecoysLastTouched(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		seedChartIncidents(t, s) // alerts of decoy id 0, which must not count
		at := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
		err := s.Update(ctx, func(tx *Tx) error {
			for _, a := range []Alert{
				{DecoyID: 7, Time: at, EventKey: "t1"}, {DecoyID: 7, Time: at.Add(time.Hour), EventKey: "t2"},
				{DecoyID: 8, Time: at.Add(2 * time.Hour), EventKey: "t3", Suppressed: true},
			} {
				a.DecoyKey, a.CreatedAt = "k"+a.EventKey, at
				if _, err := tx.InsertAlert(ctx, &a); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.DecoysLastTouched(ctx, []int64{7, 8, 9})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || !got[7].Equal(at.Add(time.Hour)) {
			t.Errorf("got %v; want decoy 7 at %v only (8's hit was allow-listed)", got, at.Add(time.Hour))
		}
	})
}
