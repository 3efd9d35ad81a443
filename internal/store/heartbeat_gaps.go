package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// HeartbeatGap is a vault's open monitoring gap (table heartbeat_gaps): a
// heartbeat missed its due time and none since has come back.
type HeartbeatGap struct {
	VaultKey   string // registry.VaultKey of the vault
	VaultID    string // ARM id, as the registry spells it
	VaultName  string // lower case
	Nonce      string // the first missed heartbeat's
	Since      time.Time
	SLA        time.Duration // how long that heartbeat had to come back
	IncidentID int64         // the incident its alert opened; 0 before
}

// OpenHeartbeatGap opens g unless its vault has a gap open already, and
// reports whether it did: the claim that makes a gap raise one alert,
// whatever the replicas and runs that see it.
func (t *Tx) OpenHeartbeatGap(ctx context.Context, g HeartbeatGap) (bool, error) {
	res, err := t.tx.ExecContext(ctx, `INSERT INTO heartbeat_gaps (vault_key, vault_id, vault_name, nonce, since, sla, incident_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (vault_key) DO NOTHING`,
		g.VaultKey, g.VaultID, strings.ToLower(g.VaultName), g.Nonce, micros(g.Since), g.SLA.Microseconds(), g.IncidentID)
	if err != nil {
		return false, fmt.Errorf("store: unable to open a monitoring gap: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: unable to open a monitoring gap: %w", err)
	}
	return n == 1, nil
}

// SetHeartbeatGapIncident notes the incident a vault's open gap raised.
func (t *Tx) SetHeartbeatGapIncident(ctx context.Context, vaultKey string, incidentID int64) error {
	if _, err := t.tx.ExecContext(ctx, "UPDATE heartbeat_gaps SET incident_id = $1 WHERE vault_key = $2", incidentID, vaultKey); err != nil {
		return fmt.Errorf("store: unable to update a monitoring gap: %w", err)
	}
	return nil
}

// CloseHeartbeatGap closes a vault's open gap and returns it; ok is false
// when none was open (never, or another run closed it first).
func (t *Tx) CloseHeartbeatGap(ctx context.Context, vaultKey string) (g HeartbeatGap, ok bool, err error) {
	row := t.tx.QueryRowContext(ctx, "SELECT "+gapColumns+" FROM heartbeat_gaps WHERE vault_key = $1"+t.s.dialect.forUpdate(), vaultKey)
	g, err = scanGap(row)
	if errors.Is(err, sql.ErrNoRows) {
		return HeartbeatGap{}, false, nil
	}
	if err != nil {
		return HeartbeatGap{}, false, fmt.Errorf("store: unable to read a monitoring gap: %w", err)
	}
	res, err := t.tx.ExecContext(ctx, "DELETE FROM heartbeat_gaps WHERE vault_key = $1", vaultKey)
	if err != nil {
		return HeartbeatGap{}, false, fmt.Errorf("store: unable to close a monitoring gap: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return HeartbeatGap{}, false, fmt.Errorf("store: unable to close a monitoring gap: %w", err)
	}
	return g, n == 1, nil
}

// HeartbeatGaps lists the open gaps, by vault key.
func (s *Store) HeartbeatGaps(ctx context.Context) ([]HeartbeatGap, error) {
	return listRows(ctx, s, "monitoring gaps", "SELECT "+gapColumns+" FROM heartbeat_gaps ORDER BY vault_key", scanGap)
}

const gapColumns = "vault_key, vault_id, vault_name, nonce, since, sla, incident_id"

func scanGap(sc scanner) (HeartbeatGap, error) {
	var g HeartbeatGap
	var since, sla int64
	err := sc.Scan(&g.VaultKey, &g.VaultID, &g.VaultName, &g.Nonce, &since, &sla, &g.IncidentID)
	g.Since, g.SLA = fromMicros(since), time.Duration(sla)*time.Microsecond
	return g, err
}
