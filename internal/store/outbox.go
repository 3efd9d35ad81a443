package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// Notification is one outbox row: a message about an incident to one
// channel, covering the incident's alerts with ids FirstAlertID..LastAlertID.
type Notification struct {
	ID             int64
	Channel        string
	IncidentID     int64
	Kind           string // new (the channel's first message about the incident) or update
	FirstAlertID   int64
	LastAlertID    int64
	IdempotencyKey string
	State          string // pending, sent or failed
	CreatedAt      time.Time
	DueAt          time.Time
	Attempts       int
	ClaimedBy      string
	ClaimedUntil   time.Time
	LastAttemptAt  time.Time
	SentAt         time.Time
	LastError      string
}

// Notification kinds and states.
const (
	KindNew    = "new"
	KindUpdate = "update"

	StatePending = "pending"
	StateSent    = "sent"
	StateFailed  = "failed"
)

const notificationColumns = "id, channel, incident_id, kind, first_alert_id, last_alert_id, idempotency_key, state, " +
	"created_at, due_at, attempts, claimed_by, claimed_until, last_attempt_at, sent_at, last_error"

func scanNotification(sc scanner) (Notification, error) {
	var n Notification
	var created, due, claimed, attempt, sent int64
	err := sc.Scan(&n.ID, &n.Channel, &n.IncidentID, &n.Kind, &n.FirstAlertID, &n.LastAlertID, &n.IdempotencyKey,
		&n.State, &created, &due, &n.Attempts, &n.ClaimedBy, &claimed, &attempt, &sent, &n.LastError)
	n.CreatedAt, n.DueAt, n.ClaimedUntil = fromMicros(created), fromMicros(due), fromMicros(claimed)
	n.LastAttemptAt, n.SentAt = fromMicros(attempt), fromMicros(sent)
	return n, err
}

// EnqueueNotification puts the incident's alerts up to lastAlertID in
// channel's outbox. The channel's first message about the incident is due
// at once; later ones are batched: they join the channel's pending,
// untouched message about the incident if there is one, else a new one due
// batch from now. Alerts already covered by an earlier message are not
// repeated.
func (t *Tx) EnqueueNotification(ctx context.Context, channel string, incidentID, lastAlertID int64, batch time.Duration) (Notification, error) {
	return t.EnqueueClaimed(ctx, channel, incidentID, lastAlertID, batch, "", 0)
}

// EnqueueClaimed is EnqueueNotification, but a message due at once is
// inserted already claimed by worker for lease (one attempt counted), so
// that worker can send it straight after the commit without another write
// first. If worker dies before sending, the claim expires like any other.
func (t *Tx) EnqueueClaimed(ctx context.Context, channel string, incidentID, lastAlertID int64, batch time.Duration, worker string, lease time.Duration) (Notification, error) {
	now := t.s.now()
	row := t.tx.QueryRowContext(ctx, "SELECT "+notificationColumns+" FROM outbox WHERE incident_id = $1 AND channel = $2 ORDER BY id DESC LIMIT 1",
		incidentID, channel)
	prev, err := scanNotification(row)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		n := Notification{Channel: channel, IncidentID: incidentID, Kind: KindNew,
			FirstAlertID: 0, LastAlertID: lastAlertID, CreatedAt: now, DueAt: now}
		if worker != "" && lease > 0 {
			n.ClaimedBy, n.ClaimedUntil, n.Attempts, n.LastAttemptAt = worker, now.Add(lease), 1, now
		}
		return t.insertNotification(ctx, n)
	case err != nil:
		return Notification{}, fmt.Errorf("store: unable to enqueue notification: %w", err)
	}
	if lastAlertID <= prev.LastAlertID {
		return prev, nil
	}
	if prev.State == StatePending && prev.Attempts == 0 && prev.ClaimedUntil.Before(now) {
		res, err := t.tx.ExecContext(ctx, `UPDATE outbox SET last_alert_id = $1 WHERE id = $2 AND state = 'pending'
			AND attempts = 0 AND claimed_until < $3`, lastAlertID, prev.ID, micros(now))
		if err != nil {
			return Notification{}, fmt.Errorf("store: unable to enqueue notification: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			prev.LastAlertID = lastAlertID
			return prev, nil
		}
	}
	return t.insertNotification(ctx, Notification{Channel: channel, IncidentID: incidentID, Kind: KindUpdate,
		FirstAlertID: prev.LastAlertID + 1, LastAlertID: lastAlertID, CreatedAt: now, DueAt: now.Add(batch)})
}

func (t *Tx) insertNotification(ctx context.Context, n Notification) (Notification, error) {
	var b [16]byte
	rand.Read(b[:])
	n.IdempotencyKey, n.State = hex.EncodeToString(b[:]), StatePending
	err := t.tx.QueryRowContext(ctx, `INSERT INTO outbox (channel, incident_id, kind, first_alert_id, last_alert_id,
		idempotency_key, state, created_at, due_at, attempts, claimed_by, claimed_until, last_attempt_at, sent_at, last_error)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 0, '') RETURNING id`,
		n.Channel, n.IncidentID, n.Kind, n.FirstAlertID, n.LastAlertID, n.IdempotencyKey, n.State,
		micros(n.CreatedAt), micros(n.DueAt), n.Attempts, n.ClaimedBy, micros(n.ClaimedUntil), micros(n.LastAttemptAt)).Scan(&n.ID)
	if err != nil {
		return Notification{}, fmt.Errorf("store: unable to enqueue notification: %w", err)
	}
	return n, nil
}

// ClaimNotifications claims up to limit due, unclaimed pending messages of
// channels for worker until now+lease, counting an attempt on each, and
// returns them, the longest due first. On PostgreSQL rows another replica is
// claiming at the same moment are skipped, not waited for.
func (s *Store) ClaimNotifications(ctx context.Context, worker string, channels []string, lease time.Duration, limit int) ([]Notification, error) {
	if len(channels) == 0 {
		return nil, nil
	}
	now := s.now()
	var p params
	pNow, pUntil, pWorker := p.add(micros(now)), p.add(micros(now.Add(lease))), p.add(worker)
	sub := "SELECT id FROM outbox WHERE state = 'pending' AND due_at <= " + pNow + " AND claimed_until < " + pNow +
		" AND channel IN (" + list(&p, channels) + ") ORDER BY due_at, id LIMIT " + p.add(limit) + s.dialect.skipLocked()
	q := "UPDATE outbox SET claimed_by = " + pWorker + ", claimed_until = " + pUntil + ", attempts = attempts + 1, last_attempt_at = " +
		pNow + " WHERE id IN (" + sub + ") RETURNING " + notificationColumns
	var out []Notification
	err := s.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, q, p...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			n, err := scanNotification(rows)
			if err != nil {
				return err
			}
			out = append(out, n)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: unable to claim notifications: %w", err)
	}
	return out, nil
}

// MarkNotificationSent records that message id went out.
func (s *Store) MarkNotificationSent(ctx context.Context, id int64) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'sent', sent_at = $1, claimed_until = 0, last_error = ''
			WHERE id = $2 AND state = 'pending'`, micros(s.now()), id)
		if err != nil {
			return fmt.Errorf("store: unable to mark notification sent: %w", err)
		}
		return nil
	})
}

// RetryNotification releases worker's claim on message id and makes it due
// again at due, keeping the error for people to read.
func (s *Store) RetryNotification(ctx context.Context, id int64, worker string, due time.Time, lastErr string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET due_at = $1, claimed_by = '', claimed_until = 0, last_error = $2
			WHERE id = $3 AND state = 'pending' AND claimed_by = $4`, micros(due), cleanText(lastErr, maxAuditDetail), id, worker)
		if err != nil {
			return fmt.Errorf("store: unable to reschedule notification: %w", err)
		}
		return nil
	})
}

// FailNotification gives up on message id for good (a permanent error, or
// too many attempts).
func (s *Store) FailNotification(ctx context.Context, id int64, lastErr string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'failed', claimed_until = 0, last_error = $1
			WHERE id = $2 AND state = 'pending'`, cleanText(lastErr, maxAuditDetail), id)
		if err != nil {
			return fmt.Errorf("store: unable to mark notification failed: %w", err)
		}
		return nil
	})
}

// ReleaseNotifications drops worker's claims on messages it has not
// finished, so that they are due again at once (a clean shutdown).
func (s *Store) ReleaseNotifications(ctx context.Context, worker string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET claimed_by = '', claimed_until = 0
			WHERE state = 'pending' AND claimed_by = $1`, worker)
		if err != nil {
			return fmt.Errorf("store: unable to release notifications: %w", err)
		}
		return nil
	})
}

// RenewNotificationClaim extends worker's claim on message id to lease from
// now, while a send is still under way; it reports whether worker still
// held it.
func (s *Store) RenewNotificationClaim(ctx context.Context, id int64, worker string, lease time.Duration) (bool, error) {
	var held bool
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE outbox SET claimed_until = $1 WHERE id = $2 AND state = 'pending' AND claimed_by = $3`,
			micros(s.now().Add(lease)), id, worker)
		if err != nil {
			return fmt.Errorf("store: unable to renew notification claim: %w", err)
		}
		n, _ := res.RowsAffected()
		held = n == 1
		return nil
	})
	return held, err
}

// ReleaseEarlierClaims drops the claims on unsent messages held by workers
// whose id starts with prefix, other than worker itself: earlier runs of the
// same process, killed before they could release them. It returns how many
// it released.
func (s *Store) ReleaseEarlierClaims(ctx context.Context, prefix, worker string) (int, error) {
	var released int
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE outbox SET claimed_by = '', claimed_until = 0
			WHERE state = 'pending' AND claimed_by <> '' AND claimed_by <> $1 AND substr(claimed_by, 1, $2) = $3`,
			worker, utf8.RuneCountInString(prefix), prefix) // substr counts characters in both databases
		if err != nil {
			return fmt.Errorf("store: unable to release earlier claims: %w", err)
		}
		n, _ := res.RowsAffected()
		released = int(n)
		return nil
	})
	return released, err
}

// NextNotificationDue returns when the next pending message of channels
// becomes claimable; ok is false when none is pending.
func (s *Store) NextNotificationDue(ctx context.Context, channels []string) (next time.Time, ok bool, err error) {
	if len(channels) == 0 {
		return time.Time{}, false, nil
	}
	var p params
	var v sql.NullInt64
	err = s.r.QueryRowContext(ctx, "SELECT MIN(CASE WHEN claimed_until > due_at THEN claimed_until ELSE due_at END) FROM outbox "+
		"WHERE state = 'pending' AND channel IN ("+list(&p, channels)+")", p...).Scan(&v)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("store: unable to read the outbox: %w", err)
	}
	if !v.Valid {
		return time.Time{}, false, nil
	}
	return fromMicros(v.Int64), true, nil
}

// OutboxStats is the state of one channel's outbox.
type OutboxStats struct {
	Pending, Sent, Failed int
	OldestPending         time.Time // zero when nothing is pending
	LastSent              time.Time
	LastError             string    // of the newest message that has one
	LastErrorAt           time.Time // when that message was last tried
}

// OutboxStatsByChannel summarises the outbox per channel.
func (s *Store) OutboxStatsByChannel(ctx context.Context) (map[string]OutboxStats, error) {
	out := make(map[string]OutboxStats)
	rows, err := s.r.QueryContext(ctx, `SELECT channel, state, COUNT(*), MIN(created_at), MAX(sent_at) FROM outbox GROUP BY channel, state`)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read outbox stats: %w", err)
	}
	for rows.Next() {
		var ch, state string
		var n int
		var oldest, lastSent int64
		if err := rows.Scan(&ch, &state, &n, &oldest, &lastSent); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: unable to read outbox stats: %w", err)
		}
		st := out[ch]
		switch state {
		case StatePending:
			st.Pending, st.OldestPending = n, fromMicros(oldest)
		case StateSent:
			st.Sent, st.LastSent = n, fromMicros(lastSent)
		case StateFailed:
			st.Failed = n
		}
		out[ch] = st
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unable to read outbox stats: %w", err)
	}
	for ch, st := range out {
		var msg string
		var at int64
		err := s.r.QueryRowContext(ctx, `SELECT last_error, last_attempt_at FROM outbox WHERE channel = $1 AND last_error <> ''
			ORDER BY last_attempt_at DESC, id DESC LIMIT 1`, ch).Scan(&msg, &at)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("store: unable to read outbox stats: %w", err)
		}
		st.LastError, st.LastErrorAt = msg, fromMicros(at)
		out[ch] = st
	}
	return out, nil
}

// GetNotification returns outbox row id as committed.
func (s *Store) GetNotification(ctx context.Context, id int64) (Notification, error) {
	n, err := scanNotification(s.r.QueryRowContext(ctx, "SELECT "+notificationColumns+" FROM outbox WHERE id = $1", id))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Notification{}, ErrNotFound
	case err != nil:
		return Notification{}, fmt.Errorf("store: unable to fetch notification: %w", err)
	}
	return n, nil
}

// ListNotifications returns the newest outbox rows of a channel ("" for
// all) in a state ("" for any), at most limit.
func (s *Store) ListNotifications(ctx context.Context, channel, state string, limit int) ([]Notification, error) {
	var where []string
	var p params
	if channel != "" {
		where = append(where, "channel = "+p.add(channel))
	}
	if state != "" {
		where = append(where, "state = "+p.add(state))
	}
	if limit <= 0 {
		limit = 100
	}
	q := "SELECT " + notificationColumns + " FROM outbox"
	q += whereClause(where)
	q += " ORDER BY id DESC LIMIT " + p.add(limit)
	rows, err := s.r.QueryContext(ctx, q, p...)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list notifications: %w", err)
	}
	defer rows.Close()
	var out []Notification
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return nil, fmt.Errorf("store: unable to list notifications: %w", err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}
