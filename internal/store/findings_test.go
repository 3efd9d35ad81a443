package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// A finding is claimed for an alert once: a second claim (a later run,
// another replica) gets false, and a claim whose transaction rolls back
// leaves the finding unalerted.
func TestClaimFindingAlertOnceAndOnlyOnCommit(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		who := AuditEntry{Actor: "system"}
		f := &Finding{DecoyID: 7, VaultID: vaultA, Kind: FindingDisabled, Detail: "secret is disabled"}
		if _, err := s.AddFinding(ctx, f, who); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
		rollback := errors.New("the alert failed")
		err := s.Update(ctx, func(tx *Tx) error {
			if ok, err := tx.ClaimFindingAlert(ctx, f.ID, at); err != nil || !ok {
				t.Errorf("claim in a failing transaction: %v, %v", ok, err)
			}
			return rollback
		})
		if !errors.Is(err, rollback) {
			t.Fatalf("got %v; want the function's error", err)
		}
		if got, _ := s.ListFindings(ctx, FindingFilter{Unalerted: true}); len(got) != 1 || got[0].ID != f.ID {
			t.Fatalf("after a rollback, unalerted: %+v; want finding %d", got, f.ID)
		}
		for i, want := range []bool{true, false} {
			var claimed bool
			if err := s.Update(ctx, func(tx *Tx) (err error) {
				claimed, err = tx.ClaimFindingAlert(ctx, f.ID, at)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if claimed != want {
				t.Errorf("claim %d: got %v; want %v", i+1, claimed, want)
			}
		}
		if got, _ := s.ListFindings(ctx, FindingFilter{Unalerted: true}); len(got) != 0 {
			t.Errorf("still unalerted: %+v", got)
		}
		if got, _ := s.ListFindings(ctx, FindingFilter{DecoyID: 7}); len(got) != 1 || !got[0].AlertedAt.Equal(at) {
			t.Errorf("alerted at: %+v; want %v", got, at)
		}
	})
}

// ResolvedAfter selects findings resolved after a time, never open ones.
func TestListFindingsResolvedAfter(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		who := AuditEntry{Actor: "system"}
		for _, kind := range []FindingKind{FindingDeleted, FindingDisabled} {
			if _, err := s.AddFinding(ctx, &Finding{DecoyID: 7, VaultID: vaultA, Kind: kind}, who); err != nil {
				t.Fatal(err)
			}
		}
		at := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
		if _, err := s.ResolveFindings(ctx, 7, at, who, FindingDeleted); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			after time.Time
			want  int
		}{
			{at.Add(-time.Second), 1},
			{at, 0},
		} {
			got, err := s.ListFindings(ctx, FindingFilter{ResolvedAfter: tt.after})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.want || tt.want == 1 && got[0].Kind != FindingDeleted {
				t.Errorf("resolved after %v: %+v; want %d", tt.after, got, tt.want)
			}
		}
	})
}
