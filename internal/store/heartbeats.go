package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Heartbeat is one request honeyvault's heartbeat sent to a vault
// (table heartbeats, migration 0013).
type Heartbeat struct {
	VaultKey  string // registry.VaultKey of the vault
	VaultID   string // its ARM id, as the registry spells it
	VaultName string // lower case, as events carry it
	Nonce     string // unique; the secret name asked for ends with it
	SentAt    time.Time
	DueAt     time.Time // its record must be stored by then
	SeenAt    time.Time // when ingestion stored its record; zero: not yet
}

// InsertHeartbeat records a heartbeat just sent.
func (s *Store) InsertHeartbeat(ctx context.Context, h Heartbeat) error {
	if h.VaultKey == "" || h.VaultID == "" || h.VaultName == "" || h.Nonce == "" {
		return errors.New("store: a heartbeat needs a vault and a nonce")
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO heartbeats (vault_key, vault_id, vault_name, nonce, sent_at, due_at, seen_at)
			VALUES ($1, $2, $3, $4, $5, $6, 0)`, h.VaultKey, h.VaultID, strings.ToLower(h.VaultName), strings.ToLower(h.Nonce), micros(h.SentAt), micros(h.DueAt))
		if err != nil {
			return fmt.Errorf("store: unable to record a heartbeat: %w", err)
		}
		return nil
	})
}

// MarkHeartbeatSeen marks the heartbeat with nonce, sent to the vault
// named vaultName, as come back at at, inside the ingest transaction. It
// reports whether honeyvault sent such a heartbeat: a record naming a
// nonce it did not send, or sent to another vault, is not one of its
// heartbeats.
func (t *Tx) MarkHeartbeatSeen(ctx context.Context, vaultName, nonce string, at time.Time) (bool, error) {
	var seen int64
	err := t.tx.QueryRowContext(ctx, "SELECT seen_at FROM heartbeats WHERE nonce = $1 AND vault_name = $2",
		strings.ToLower(nonce), strings.ToLower(vaultName)).Scan(&seen)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: unable to read a heartbeat: %w", err)
	}
	if seen != 0 {
		return true, nil
	}
	if _, err := t.tx.ExecContext(ctx, "UPDATE heartbeats SET seen_at = $1 WHERE nonce = $2 AND seen_at = 0",
		micros(at), strings.ToLower(nonce)); err != nil {
		return false, fmt.Errorf("store: unable to mark a heartbeat seen: %w", err)
	}
	return true, nil
}

// DeleteHeartbeat forgets the heartbeat with nonce (one that was never
// delivered to its vault).
func (s *Store) DeleteHeartbeat(ctx context.Context, nonce string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM heartbeats WHERE nonce = $1", strings.ToLower(nonce)); err != nil {
			return fmt.Errorf("store: unable to delete a heartbeat: %w", err)
		}
		return nil
	})
}

// ListHeartbeats lists the heartbeats sent at or after since, by vault and
// then oldest first.
func (s *Store) ListHeartbeats(ctx context.Context, since time.Time) ([]Heartbeat, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT vault_key, vault_id, vault_name, nonce, sent_at, due_at, seen_at FROM heartbeats
		WHERE sent_at >= $1 ORDER BY vault_key, sent_at, id`, micros(since))
	if err != nil {
		return nil, fmt.Errorf("store: unable to list heartbeats: %w", err)
	}
	defer rows.Close()
	var out []Heartbeat
	for rows.Next() {
		var h Heartbeat
		var sent, due, seen int64
		if err := rows.Scan(&h.VaultKey, &h.VaultID, &h.VaultName, &h.Nonce, &sent, &due, &seen); err != nil {
			return nil, fmt.Errorf("store: unable to list heartbeats: %w", err)
		}
		h.SentAt, h.DueAt, h.SeenAt = fromMicros(sent), fromMicros(due), fromMicros(seen)
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unable to list heartbeats: %w", err)
	}
	return out, nil
}

// PruneHeartbeats deletes the heartbeats sent before before and reports
// how many.
func (s *Store) PruneHeartbeats(ctx context.Context, before time.Time) (int64, error) {
	return s.deleteRows(ctx, "heartbeats", "DELETE FROM heartbeats WHERE sent_at < $1", micros(before))
}

// deleteRows runs a DELETE in a write transaction and reports how many
// rows it removed; what names them in the error.
func (s *Store) deleteRows(ctx context.Context, what, query string, args ...any) (int64, error) {
	var n int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("store: unable to prune %s: %w", what, err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}
