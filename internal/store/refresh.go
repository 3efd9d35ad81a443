package store

import (
	"context"
	"database/sql"
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
