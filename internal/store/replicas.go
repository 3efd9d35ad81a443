package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/storable"
)

// Replica is a serve process sharing the database (table replicas), with
// what it noted about its own work at LastSeen.
type Replica struct {
	ID        string
	StartedAt time.Time
	LastSeen  time.Time
	Version   string
	// Lag is the largest lag among the sources it runs: how old the
	// newest record of a source's last delivery was when it was stored.
	Lag time.Duration
	// StoredLastMinute is how many records it stored in the minute
	// before LastSeen, from every source and HTTP push.
	StoredLastMinute int64
	// Backlog is the records waiting in the Event Hubs/Kafka partitions
	// it consumes beyond those it read (the consumer lag), summed over
	// its sources that can tell.
	Backlog int64
	// Sources are the names of the live sources it runs now (a pull
	// source another replica holds the lease of is not among them).
	Sources []string
}

// replicaKeep is how long a replica that stopped noting itself is listed.
const replicaKeep = 24 * time.Hour

// NoteReplica records that replica r is alive now, with its lag, records
// stored and sources, and forgets replicas not seen for a day. A replica
// without an id, or with a negative lag or count, is refused and nothing
// is written.
func (s *Store) NoteReplica(ctx context.Context, r Replica) error {
	if strings.TrimSpace(r.ID) == "" {
		return errors.New("store: a replica needs an id")
	}
	if r.Lag < 0 || r.StoredLastMinute < 0 || r.Backlog < 0 {
		return fmt.Errorf("store: replica %s: lag, backlog and records stored may not be negative", r.ID)
	}
	names := make([]string, len(r.Sources))
	for i, n := range r.Sources {
		names[i] = storable.Text(n)
	}
	sources, err := json.Marshal(names)
	if err != nil {
		return fmt.Errorf("store: replica %s: %w", r.ID, err)
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO replicas (id, started_at, last_seen, version, lag_micros, stored_last_minute, sources, backlog)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen, version = excluded.version,
				lag_micros = excluded.lag_micros, stored_last_minute = excluded.stored_last_minute, sources = excluded.sources,
				backlog = excluded.backlog`,
			storable.Text(r.ID), micros(r.StartedAt), micros(now), storable.Text(r.Version),
			r.Lag.Microseconds(), r.StoredLastMinute, string(sources), r.Backlog); err != nil {
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
	return listRows(ctx, s, "replicas", `SELECT id, started_at, last_seen, version, lag_micros, stored_last_minute, sources, backlog
		FROM replicas ORDER BY last_seen DESC, id`, func(row scanner) (Replica, error) {
		var r Replica
		var started, seen, lag int64
		var sources string
		if err := row.Scan(&r.ID, &started, &seen, &r.Version, &lag, &r.StoredLastMinute, &sources, &r.Backlog); err != nil {
			return r, err
		}
		r.StartedAt, r.LastSeen, r.Lag = fromMicros(started), fromMicros(seen), time.Duration(lag)*time.Microsecond
		if err := json.Unmarshal([]byte(sources), &r.Sources); err != nil {
			return r, fmt.Errorf("store: replica %s: unreadable sources: %w", r.ID, err)
		}
		return r, nil
	})
}
