package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// A check's outcome is kept per vault whatever the id's case, replaced by
// the next check, and a bad vault id or empty state is refused and stores
// nothing. DecoyVaults lists the vaults holding decoys not retired.
func TestAuditPaths(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		const pay = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-pay"
		const old = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-old"
		if _, err := s.GetAuditPath(ctx, pay); !errors.Is(err, ErrNotFound) {
			t.Fatalf("unchecked vault: %v", err)
		}
		at := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
		if err := s.RecordAuditPath(ctx, AuditPath{VaultID: pay, State: "no-setting", Reason: "no setting", Fix: "az ...", CheckedAt: at}); err != nil {
			t.Fatal(err)
		}
		for _, bad := range []AuditPath{{VaultID: "kv-pay", State: "ok"}, {VaultID: pay}} {
			if err := s.RecordAuditPath(ctx, bad); err == nil {
				t.Errorf("%+v was accepted", bad)
			}
		}
		got, err := s.GetAuditPath(ctx, strings.ToUpper(pay))
		if err != nil || got.State != "no-setting" || got.Fix != "az ..." || !got.CheckedAt.Equal(at) || got.OK() {
			t.Fatalf("got %+v, %v", got, err)
		}
		if len(got.Routes) != 0 {
			t.Errorf("routes of a vault with no setting: %q", got.Routes)
		}
		if err := s.RecordAuditPath(ctx, AuditPath{VaultID: pay, State: "ok", Routes: []string{"to-soc", "Sentinel, \"main\""}, CheckedAt: at.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		all, err := s.AuditPaths(ctx)
		if err != nil || len(all) != 1 || !all[registry.VaultKey(pay)].OK() || all[registry.VaultKey(pay)].Reason != "" {
			t.Errorf("after the fix: %+v, %v", all, err)
		}
		if r := all[registry.VaultKey(pay)].Routes; len(r) != 2 || r[0] != "to-soc" || r[1] != "Sentinel, \"main\"" {
			t.Errorf("routes %q", r)
		}
		if got, _ := s.GetAuditPath(ctx, pay); len(got.Routes) != 2 {
			t.Errorf("routes by id %q", got.Routes)
		}

		for _, d := range []registry.Decoy{{VaultID: pay, Name: "a", Type: registry.Secret}, {VaultID: strings.ToUpper(pay), Name: "b", Type: registry.Key},
			{VaultID: old, Name: "c", Type: registry.Secret, Status: registry.Retired}} {
			if err := s.AddDecoy(ctx, &d); err != nil {
				t.Fatal(err)
			}
		}
		vs, err := s.DecoyVaults(ctx)
		if err != nil || len(vs) != 1 || registry.VaultKey(vs[0]) != registry.VaultKey(pay) {
			t.Errorf("decoy vaults %v, %v", vs, err)
		}
	})
}
