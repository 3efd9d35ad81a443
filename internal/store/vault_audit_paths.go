package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/storable"
)

// AuditPath is what the diagnostics check last found for a vault (table
// vault_audit_paths, migration 0014).
type AuditPath struct {
	VaultID string
	State   string // auditpath.State: "ok" when AuditEvent reaches honeyvault
	Reason  string // plain words; "" when ok
	Fix     string // the az command that mends it; "" when ok or unknown
	// Routes names the settings that sent AuditEvent to a destination
	// honeyvault reads (when ok).
	Routes    []string
	CheckedAt time.Time
}

// OK reports whether the check found the audit path working.
func (a AuditPath) OK() bool { return a.State == "ok" }

// RecordAuditPath stores a check's outcome for a vault, replacing the
// previous one: a vault fixed since is OK again.
func (s *Store) RecordAuditPath(ctx context.Context, a AuditPath) error {
	if _, err := registry.VaultNameFromID(a.VaultID); err != nil {
		return fmt.Errorf("store: audit path of %q: %w", a.VaultID, err)
	}
	if strings.TrimSpace(a.State) == "" {
		return errors.New("store: an audit path needs a state")
	}
	at := a.CheckedAt
	if at.IsZero() {
		at = s.now()
	}
	routes := a.Routes
	if routes == nil {
		routes = []string{}
	}
	routesJSON, err := json.Marshal(routes)
	if err != nil {
		return fmt.Errorf("store: audit path routes: %w", err)
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO vault_audit_paths (vault_key, vault_id, state, reason, fix, routes, checked_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (vault_key) DO UPDATE SET vault_id = excluded.vault_id, state = excluded.state, reason = excluded.reason,
				fix = excluded.fix, routes = excluded.routes, checked_at = excluded.checked_at`,
			registry.VaultKey(a.VaultID), storable.Text(a.VaultID), storable.Text(a.State), storable.Text(a.Reason), storable.Text(a.Fix),
			storable.Text(string(routesJSON)), micros(at))
		if err != nil {
			return fmt.Errorf("store: unable to record audit path: %w", err)
		}
		return nil
	})
}

// AuditPaths returns every vault's latest check, by vault key
// (registry.VaultKey).
func (s *Store) AuditPaths(ctx context.Context) (map[string]AuditPath, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT vault_key, vault_id, state, reason, fix, routes, checked_at FROM vault_audit_paths")
	if err != nil {
		return nil, fmt.Errorf("store: unable to list audit paths: %w", err)
	}
	defer rows.Close()
	out := map[string]AuditPath{}
	for rows.Next() {
		var key, routes string
		var a AuditPath
		var at int64
		if err := rows.Scan(&key, &a.VaultID, &a.State, &a.Reason, &a.Fix, &routes, &at); err != nil {
			return nil, fmt.Errorf("store: unable to list audit paths: %w", err)
		}
		a.CheckedAt = fromMicros(at)
		if err := json.Unmarshal([]byte(routes), &a.Routes); err != nil {
			return nil, fmt.Errorf("store: audit path routes of %s: %w", a.VaultID, err)
		}
		out[key] = a
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unable to list audit paths: %w", err)
	}
	return out, nil
}

// GetAuditPath returns a vault's latest check (by id, any case), or
// ErrNotFound when it has not been checked.
func (s *Store) GetAuditPath(ctx context.Context, vaultID string) (AuditPath, error) {
	var a AuditPath
	var at int64
	var routes string
	err := s.r.QueryRowContext(ctx, "SELECT vault_id, state, reason, fix, routes, checked_at FROM vault_audit_paths WHERE vault_key = $1",
		registry.VaultKey(vaultID)).Scan(&a.VaultID, &a.State, &a.Reason, &a.Fix, &routes, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("%w: audit path of %s", ErrNotFound, vaultID)
	}
	if err != nil {
		return a, fmt.Errorf("store: unable to fetch audit path: %w", err)
	}
	a.CheckedAt = fromMicros(at)
	if err := json.Unmarshal([]byte(routes), &a.Routes); err != nil {
		return a, fmt.Errorf("store: audit path routes of %s: %w", a.VaultID, err)
	}
	return a, nil
}

// DecoyVaults returns the ids of the vaults holding decoys that are not
// retired, ordered by key: those the diagnostics check looks at.
func (s *Store) DecoyVaults(ctx context.Context) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT vault_key, MIN(vault_id) FROM decoys WHERE status <> $1 GROUP BY vault_key ORDER BY vault_key",
		string(registry.Retired))
	if err != nil {
		return nil, fmt.Errorf("store: unable to list decoy vaults: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var key, id string
		if err := rows.Scan(&key, &id); err != nil {
			return nil, fmt.Errorf("store: unable to list decoy vaults: %w", err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unable to list decoy vaults: %w", err)
	}
	return out, nil
}
