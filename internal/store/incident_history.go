package store

import (
	"context"
	"fmt"
	"time"
)

// HistoryEntry is one change of an incident: who, when, what, from which
// value to which. Comments are entries with Action "comment" and the text in
// Detail.
type HistoryEntry struct {
	ID         int64
	IncidentID int64
	Time       time.Time
	Actor      string // a person, a token, or "system" for changes detection made
	Action     string // created, alerts, severity, assign, comment, status, close, reopen
	OldValue   string
	NewValue   string
	Detail     string
}

// maxHistoryDetail bounds a comment or detail.
const maxHistoryDetail = 8192

// AddHistory appends e to its incident's history.
func (t *Tx) AddHistory(ctx context.Context, e HistoryEntry) error {
	if e.Time.IsZero() {
		e.Time = t.s.now()
	}
	_, err := t.tx.ExecContext(ctx, `INSERT INTO incident_history (incident_id, at, actor, action, old_value, new_value, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, e.IncidentID, micros(e.Time), cleanText(e.Actor, maxAuditField),
		e.Action, cleanText(e.OldValue, maxAuditField), cleanText(e.NewValue, maxAuditField), cleanText(e.Detail, maxHistoryDetail))
	if err != nil {
		return fmt.Errorf("store: unable to record incident history: %w", err)
	}
	return nil
}

// IncidentHistory returns the incident's changes, oldest first.
func (s *Store) IncidentHistory(ctx context.Context, incidentID int64) ([]HistoryEntry, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, incident_id, at, actor, action, old_value, new_value, detail
		FROM incident_history WHERE incident_id = $1 ORDER BY id`, incidentID)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read incident history: %w", err)
	}
	defer rows.Close()
	var out []HistoryEntry
	for rows.Next() {
		var e HistoryEntry
		var at int64
		if err := rows.Scan(&e.ID, &e.IncidentID, &at, &e.Actor, &e.Action, &e.OldValue, &e.NewValue, &e.Detail); err != nil {
			return nil, fmt.Errorf("store: unable to read incident history: %w", err)
		}
		e.Time = fromMicros(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// HasHistory reports whether the incident's history holds an entry with
// action and newValue: a change that must be written once (a recovery
// note) checks it first, under the incident's group lock.
func (t *Tx) HasHistory(ctx context.Context, incidentID int64, action, newValue string) (bool, error) {
	var n int
	if err := t.tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM incident_history WHERE incident_id = $1 AND action = $2 AND new_value = $3",
		incidentID, action, newValue).Scan(&n); err != nil {
		return false, fmt.Errorf("store: unable to read incident history: %w", err)
	}
	return n > 0, nil
}
