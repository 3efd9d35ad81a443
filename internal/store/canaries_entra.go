package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/honeyvault/honeyvault/internal/canary"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// EntraCanaryDecoy returns the decoy whose value carries the client secret
// of app appID (an Entra ID canary, canary.KindEntra), or ErrNotFound: the
// app signing in is not one of honeyvault's. Read in the transaction that
// stores the sign-in, so a canary registered before it commits is seen.
func (t *Tx) EntraCanaryDecoy(ctx context.Context, appID string) (registry.Decoy, error) {
	if !canary.ValidAppID(appID) {
		return registry.Decoy{}, fmt.Errorf("%w: not an app id", ErrNotFound)
	}
	row := t.tx.QueryRowContext(ctx, "SELECT "+decoyColumns+" FROM decoys WHERE id = (SELECT decoy_id FROM canaries WHERE token = $1 AND kind = $2)",
		appID, string(canary.KindEntra))
	d, err := scanDecoy(row)
	if errors.Is(err, sql.ErrNoRows) {
		return registry.Decoy{}, fmt.Errorf("%w: entra canary", ErrNotFound)
	}
	if err != nil {
		return registry.Decoy{}, fmt.Errorf("store: unable to fetch the decoy of an entra canary: %w", err)
	}
	return d, nil
}
