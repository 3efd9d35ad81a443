package store

import (
	"context"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// Retiring a decoy closes its open findings in the same transaction,
// audited by whoever retired it; another status change (missing, active
// again) leaves them to reconcile, and another decoy's findings stay open.
func TestRetiringADecoyClosesItsFindings(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		lost := registry.Decoy{VaultID: vaultA, Name: "orders-signing", Type: registry.Key}
		other := registry.Decoy{VaultID: vaultA, Name: "orders-db-password", Type: registry.Secret}
		for _, d := range []*registry.Decoy{&lost, &other} {
			if err := s.AddDecoy(ctx, d); err != nil {
				t.Fatal(err)
			}
		}
		system := AuditEntry{Actor: "system"}
		for _, f := range []*Finding{
			{DecoyID: lost.ID, VaultID: vaultA, Kind: FindingGone, Detail: "purged"},
			{DecoyID: lost.ID, VaultID: vaultA, Kind: FindingNewVersion, Detail: "a new version"},
			{DecoyID: other.ID, VaultID: vaultA, Kind: FindingDisabled, Detail: "disabled"},
		} {
			if _, err := s.AddFinding(ctx, f, system); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.SetDecoyStatus(ctx, lost.ID, registry.Missing, nil, system); err != nil {
			t.Fatal(err)
		}
		if open, _ := s.ListFindings(ctx, FindingFilter{DecoyID: lost.ID, OpenOnly: true}); len(open) != 2 {
			t.Fatalf("marked missing: open findings %+v; want both", open)
		}
		memo := "purged outside honeyvault"
		if err := s.SetDecoyStatus(ctx, lost.ID, registry.Retired, &memo, AuditEntry{Actor: "alice@contoso.com", Action: "decoy.retire"}); err != nil {
			t.Fatal(err)
		}
		all, err := s.ListFindings(ctx, FindingFilter{DecoyID: lost.ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range all {
			if f.ResolvedAt.IsZero() {
				t.Errorf("finding %d (%s) still open after the retirement", f.ID, f.Kind)
			}
		}
		if open, _ := s.ListFindings(ctx, FindingFilter{DecoyID: other.ID, OpenOnly: true}); len(open) != 1 {
			t.Errorf("the other decoy's findings: %+v; want its one open", open)
		}
		rows, err := s.ListAudit(ctx, AuditFilter{Action: "decoy.finding_resolved"})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || rows[0].Actor != "alice@contoso.com" || !strings.Contains(rows[0].Detail, "gone") || !strings.Contains(rows[0].Detail, "new-version") {
			t.Errorf("audit rows: %+v; want one by the retiring person naming both findings", rows)
		}
	})
}
