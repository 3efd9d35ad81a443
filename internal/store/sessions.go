package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Session is a signed-in console user. It is found by the hash of the
// session cookie: the cookie value itself is never stored. Timeouts are the
// auth package's business; the store only keeps the times.
type Session struct {
	IDHash        string // hex SHA-256 of the cookie value
	Subject       string
	Name          string
	Role          string
	Subscriptions []string
	Vaults        []string
	Credential    string // what it was opened with: "oidc", "token:12", "bootstrap:admin:FP"
	CreatedAt     time.Time
	LastSeenAt    time.Time
	RemoteAddr    string
	UserAgent     string
}

const sessionColumns = "id_hash, subject, name, role, scope, credential, created_at, last_seen_at, remote_addr, user_agent"

// CreateSession stores a new session.
func (s *Store) CreateSession(ctx context.Context, se Session) error {
	if !hashRE.MatchString(se.IDHash) {
		return errors.New("store: session id hash must be 64 lower-case hex digits")
	}
	if se.Subject == "" || se.Role == "" {
		return errors.New("store: session without a subject or role")
	}
	if se.CreatedAt.IsZero() {
		se.CreatedAt = s.now()
	}
	if se.LastSeenAt.IsZero() {
		se.LastSeenAt = se.CreatedAt
	}
	_, err := s.w.ExecContext(ctx, "INSERT INTO sessions ("+sessionColumns+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
		se.IDHash, cleanText(se.Subject, maxAuditField), cleanText(se.Name, maxAuditField), se.Role,
		encodeScope(se.Subscriptions, se.Vaults), se.Credential, micros(se.CreatedAt), micros(se.LastSeenAt),
		cleanText(se.RemoteAddr, maxAuditField), cleanText(se.UserAgent, maxAuditField))
	if err != nil {
		if s.dialect.isUniqueViolation(err) {
			return fmt.Errorf("%w: session", ErrConflict)
		}
		return fmt.Errorf("store: unable to create session: %w", err)
	}
	return nil
}

// SessionByHash returns the session with that id hash, or ErrNotFound.
func (s *Store) SessionByHash(ctx context.Context, idHash string) (Session, error) {
	var se Session
	var scope string
	var created, seen int64
	err := s.r.QueryRowContext(ctx, "SELECT "+sessionColumns+" FROM sessions WHERE id_hash = $1", idHash).Scan(
		&se.IDHash, &se.Subject, &se.Name, &se.Role, &scope, &se.Credential, &created, &seen, &se.RemoteAddr, &se.UserAgent)
	if errors.Is(err, sql.ErrNoRows) {
		return se, fmt.Errorf("%w: session", ErrNotFound)
	}
	if err != nil {
		return se, fmt.Errorf("store: unable to fetch session: %w", err)
	}
	se.CreatedAt, se.LastSeenAt = fromMicros(created), fromMicros(seen)
	se.Subscriptions, se.Vaults, err = decodeScope(scope)
	return se, err
}

// TouchSession records activity on a session at at (never moving it back).
func (s *Store) TouchSession(ctx context.Context, idHash string, at time.Time) error {
	_, err := s.w.ExecContext(ctx, "UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2 AND last_seen_at < $1", micros(at), idHash)
	if err != nil {
		return fmt.Errorf("store: unable to update session: %w", err)
	}
	return nil
}

// DeleteSession ends a session. Deleting one that does not exist is not an
// error: signing out twice is harmless.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	if _, err := s.w.ExecContext(ctx, "DELETE FROM sessions WHERE id_hash = $1", idHash); err != nil {
		return fmt.Errorf("store: unable to delete session: %w", err)
	}
	return nil
}

// DeleteStaleSessions removes sessions idle since before idleBefore or
// created before createdBefore, and returns how many it removed.
func (s *Store) DeleteStaleSessions(ctx context.Context, idleBefore, createdBefore time.Time) (int64, error) {
	res, err := s.w.ExecContext(ctx, "DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2",
		micros(idleBefore), micros(createdBefore))
	if err != nil {
		return 0, fmt.Errorf("store: unable to delete stale sessions: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
