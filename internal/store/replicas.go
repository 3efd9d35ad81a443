package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/honeyvault/honeyvault/internal/storable"
)

// Replica is a serve process sharing the database (table replicas).
type Replica struct {
	ID        string
	StartedAt time.Time
	LastSeen  time.Time
	Version   string
}

// replicaKeep is how long a replica that stopped noting itself is listed.
const replicaKeep = 24 * time.Hour

// NoteReplica records that replica r is alive now, and forgets replicas
// not seen for a day.
func (s *Store) NoteReplica(ctx context.Context, r Replica) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO replicas (id, started_at, last_seen, version) VALUES ($1, $2, $3, $4)
			ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen, version = excluded.version`,
			storable.Text(r.ID), micros(r.StartedAt), micros(now), storable.Text(r.Version)); err != nil {
			return fmt.Errorf("store: unable to note replica %s: %w", r.ID, err)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM replicas WHERE last_seen < $1", micros(now.Add(-replicaKeep))); err != nil {
			return fmt.Errorf("store: unable to forget old replicas: %w", err)
		}
		return nil
	})
}

// Replicas lists the replicas seen in the last day, the most recently
// seen first.
func (s *Store) Replicas(ctx context.Context) ([]Replica, error) {
	return listRows(ctx, s, "replicas", "SELECT id, started_at, last_seen, version FROM replicas ORDER BY last_seen DESC, id", func(row scanner) (Replica, error) {
		var r Replica
		var started, seen int64
		err := row.Scan(&r.ID, &started, &seen, &r.Version)
		r.StartedAt, r.LastSeen = fromMicros(started), fromMicros(seen)
		return r, err
	})
}
