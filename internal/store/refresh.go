package store

import (
	"context"
	"database/sql"
	"fmt"
)

// CompleteRefresh records that honeyvault gave planted decoy decoyID a new
// version: o, the vault's view of it, becomes the baseline reconcile
// compares with (so the new version is no drift), and a "decoy.refresh"
// row in the audit trail says who, in the same transaction.
func (s *Store) CompleteRefresh(ctx context.Context, decoyID int64, o PlantedObject, who AuditEntry) error {
	if err := checkActor(who); err != nil {
		return err
	}
	if who.Time.IsZero() {
		who.Time = s.now()
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := updatePlantingTx(ctx, tx, decoyID, Planted, o); err != nil {
			return err
		}
		return s.auditDecoyTx(ctx, tx, who, "decoy.refresh", decoyID, "new version "+o.Version)
	})
}

// AbandonRefresh takes back what a refresh of decoy decoyID registered
// before its write, once the vault is known not to hold the new version:
// the canary token the new value would have carried (a token never
// planted must name nothing) and the planter's allow rule allowRuleID for
// that write (nothing is left to let through). Both go in one
// transaction with a "decoy.refresh-abandoned" row in the audit trail
// saying why. token "" or allowRuleID 0 means there was none. It answers
// ErrNotFound, changing nothing, when the token or rule is not that
// decoy's.
func (s *Store) AbandonRefresh(ctx context.Context, decoyID int64, token string, allowRuleID int64, why string, who AuditEntry) error {
	if err := checkActor(who); err != nil {
		return err
	}
	if who.Time.IsZero() {
		who.Time = s.now()
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		for _, del := range []struct {
			on    bool
			query string
			arg   any
			what  string
		}{
			{token != "", "DELETE FROM canaries WHERE decoy_id = $1 AND token = $2", token, "canary token"},
			{allowRuleID != 0, "DELETE FROM allow_rules WHERE decoy_id = $1 AND id = $2", allowRuleID, "allow rule"},
		} {
			if !del.on {
				continue
			}
			res, err := tx.ExecContext(ctx, del.query, decoyID, del.arg)
			if err != nil {
				return fmt.Errorf("store: unable to take back a refresh of decoy %d: %w", decoyID, err)
			}
			if n, err := res.RowsAffected(); err != nil || n != 1 {
				return fmt.Errorf("%w: %s of decoy %d", ErrNotFound, del.what, decoyID)
			}
		}
		what := "no new version written: " + why
		if allowRuleID != 0 {
			what += fmt.Sprintf("; allow rule %d removed", allowRuleID)
		}
		if token != "" {
			what += "; the new value's canary token removed"
		}
		return s.auditDecoyTx(ctx, tx, who, "decoy.refresh-abandoned", decoyID, what)
	})
}
