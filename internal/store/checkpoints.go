package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/honeyvault/honeyvault/internal/storable"
)

func saveCheckpoint(ctx context.Context, tx *sql.Tx, c Checkpoint, now time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO checkpoints (source, item, value, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (source, item) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		storable.Text(c.Source), storable.Text(c.Item), storable.Text(c.Value), micros(now))
	if err != nil {
		return fmt.Errorf("store: unable to save checkpoint %s/%s: %w", c.Source, c.Item, err)
	}
	return nil
}

// Checkpoint returns the saved value of a source's item, or "" and false.
func (s *Store) Checkpoint(ctx context.Context, source, item string) (string, bool, error) {
	var v string
	err := s.r.QueryRowContext(ctx, "SELECT value FROM checkpoints WHERE source = $1 AND item = $2", source, item).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("store: unable to read checkpoint %s/%s: %w", source, item, err)
	}
	return v, true, nil
}

// Checkpoints returns every saved item of a source.
func (s *Store) Checkpoints(ctx context.Context, source string) (map[string]string, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT item, value FROM checkpoints WHERE source = $1", source)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read checkpoints of %s: %w", source, err)
	}
	defer rows.Close()
	out := make(map[string]string)
	for rows.Next() {
		var item, v string
		if err := rows.Scan(&item, &v); err != nil {
			return nil, fmt.Errorf("store: unable to read checkpoints of %s: %w", source, err)
		}
		out[item] = v
	}
	return out, rows.Err()
}

// SaveCheckpoint stores a checkpoint on its own, for a source that advanced
// without reading records (an empty poll).
func (s *Store) SaveCheckpoint(ctx context.Context, c Checkpoint) error {
	return s.tx(ctx, func(tx *sql.Tx) error { return saveCheckpoint(ctx, tx, c, s.now()) })
}

// DeleteCheckpoints forgets the given items of a source, in one transaction.
func (s *Store) DeleteCheckpoints(ctx context.Context, source string, items []string) error {
	if len(items) == 0 {
		return nil
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		for _, item := range items {
			if _, err := tx.ExecContext(ctx, "DELETE FROM checkpoints WHERE source = $1 AND item = $2", source, item); err != nil {
				return fmt.Errorf("store: unable to delete checkpoint %s/%s: %w", source, item, err)
			}
		}
		return nil
	})
}
