package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/storable"
)

// APIToken is a bearer token created by an admin. Only the hash of the
// token is stored; the token itself is shown once, when created.
type APIToken struct {
	ID            int64
	Name          string // a label: "ci-ingest", "alice laptop"
	Hash          string // hex SHA-256 of the token
	Prefix        string // the token's first characters, to recognise it in lists
	Role          string
	Subscriptions []string // scope of an owner token
	Vaults        []string // scope of an owner token: names or ARM ids
	CreatedBy     string
	CreatedAt     time.Time
	ExpiresAt     time.Time // zero: never
	LastUsedAt    time.Time // zero: never used
	RevokedAt     time.Time // zero: not revoked
	RevokedBy     string
}

// Usable reports whether t may authenticate a request at now: not revoked
// and not expired.
func (t APIToken) Usable(now time.Time) bool {
	return t.RevokedAt.IsZero() && (t.ExpiresAt.IsZero() || now.Before(t.ExpiresAt))
}

var hashRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

const tokenColumns = "id, name, hash, prefix, role, scope, created_by, created_at, expires_at, last_used_at, revoked_at, revoked_by"

// CreateToken stores t, filling its ID and CreatedAt, and appends audit to
// the audit trail in the same transaction, so that no token exists without
// its record. audit.Target defaults to "token:ID".
func (s *Store) CreateToken(ctx context.Context, t *APIToken, audit AuditEntry) error {
	if !hashRE.MatchString(t.Hash) {
		return errors.New("store: token hash must be 64 lower-case hex digits")
	}
	t.Name = strings.TrimSpace(t.Name)
	if t.Name == "" || len(t.Name) > 100 {
		return errors.New("store: token name must have 1 to 100 characters")
	}
	if t.Role == "" {
		return errors.New("store: token without a role")
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = s.now()
	}
	if audit.Time.IsZero() {
		audit.Time = t.CreatedAt
	}
	if err := s.prepareAudit(&audit); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO api_tokens
			(name, hash, prefix, role, scope, created_by, created_at, expires_at, last_used_at, revoked_at, revoked_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, 0, '') RETURNING id`,
			storable.Text(t.Name), t.Hash, t.Prefix, t.Role, encodeScope(t.Subscriptions, t.Vaults), storable.Text(t.CreatedBy),
			micros(t.CreatedAt), micros(t.ExpiresAt)).Scan(&t.ID)
		if err != nil {
			if s.dialect.isUniqueViolation(err) {
				return fmt.Errorf("%w: a token with that hash", ErrConflict)
			}
			return fmt.Errorf("store: unable to create token: %w", err)
		}
		if audit.Target == "" {
			audit.Target = fmt.Sprintf("token:%d", t.ID)
		}
		return insertAudit(ctx, tx, audit)
	})
}

// TokenByHash returns the token whose hash is hash (revoked and expired ones
// too: the caller decides), or ErrNotFound.
func (s *Store) TokenByHash(ctx context.Context, hash string) (APIToken, error) {
	t, err := scanToken(s.r.QueryRowContext(ctx, "SELECT "+tokenColumns+" FROM api_tokens WHERE hash = $1", hash))
	if errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("%w: token", ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("store: unable to fetch token: %w", err)
	}
	return t, nil
}

// GetToken returns one token by id, or ErrNotFound.
func (s *Store) GetToken(ctx context.Context, id int64) (APIToken, error) {
	t, err := scanToken(s.r.QueryRowContext(ctx, "SELECT "+tokenColumns+" FROM api_tokens WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("%w: token %d", ErrNotFound, id)
	}
	if err != nil {
		return t, fmt.Errorf("store: unable to fetch token %d: %w", id, err)
	}
	return t, nil
}

// ListTokens returns every token, revoked ones included, newest first.
func (s *Store) ListTokens(ctx context.Context) ([]APIToken, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT "+tokenColumns+" FROM api_tokens ORDER BY id DESC")
	if err != nil {
		return nil, fmt.Errorf("store: unable to list tokens: %w", err)
	}
	defer rows.Close()
	var out []APIToken
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("store: unable to list tokens: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unable to list tokens: %w", err)
	}
	return out, nil
}

// RevokeToken marks token id revoked by audit.Actor and records audit in the
// same transaction. It returns ErrNotFound for an unknown id and ErrConflict
// for a token already revoked (which stays as it was).
func (s *Store) RevokeToken(ctx context.Context, id int64, audit AuditEntry) error {
	if err := s.prepareAudit(&audit); err != nil {
		return err
	}
	if audit.Target == "" {
		audit.Target = fmt.Sprintf("token:%d", id)
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE api_tokens SET revoked_at = $1, revoked_by = $2 WHERE id = $3 AND revoked_at = 0",
			micros(audit.Time), audit.Actor, id)
		if err != nil {
			return fmt.Errorf("store: unable to revoke token %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var revoked int64
			err := tx.QueryRowContext(ctx, "SELECT revoked_at FROM api_tokens WHERE id = $1", id).Scan(&revoked)
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("%w: token %d", ErrNotFound, id)
			}
			if err != nil {
				return fmt.Errorf("store: unable to revoke token %d: %w", id, err)
			}
			return fmt.Errorf("%w: token %d is already revoked", ErrConflict, id)
		}
		return insertAudit(ctx, tx, audit)
	})
}

// TouchToken sets the token's last-used time to at, unless it is already
// later (requests finishing out of order never move it back).
func (s *Store) TouchToken(ctx context.Context, id int64, at time.Time) error {
	_, err := s.w.ExecContext(ctx, "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 AND last_used_at < $1", micros(at), id)
	if err != nil {
		return fmt.Errorf("store: unable to update token %d: %w", id, err)
	}
	return nil
}

func scanToken(sc scanner) (APIToken, error) {
	var t APIToken
	var scope string
	var created, expires, used, revoked int64
	err := sc.Scan(&t.ID, &t.Name, &t.Hash, &t.Prefix, &t.Role, &scope, &t.CreatedBy,
		&created, &expires, &used, &revoked, &t.RevokedBy)
	if err != nil {
		return t, err
	}
	t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.RevokedAt = fromMicros(created), fromMicros(expires), fromMicros(used), fromMicros(revoked)
	t.Subscriptions, t.Vaults, err = decodeScope(scope)
	return t, err
}

// scopeJSON is how a token's or session's scope is stored.
type scopeJSON struct {
	Subscriptions []string `json:"subscriptions"`
	Vaults        []string `json:"vaults"`
}

func encodeScope(subs, vaults []string) string {
	b, _ := json.Marshal(scopeJSON{Subscriptions: nonNil(subs), Vaults: nonNil(vaults)})
	return string(b)
}

func decodeScope(s string) (subs, vaults []string, err error) {
	var sc scopeJSON
	if err := json.Unmarshal([]byte(s), &sc); err != nil {
		return nil, nil, fmt.Errorf("store: bad scope %q: %w", s, err)
	}
	if len(sc.Subscriptions) == 0 {
		sc.Subscriptions = nil
	}
	if len(sc.Vaults) == 0 {
		sc.Vaults = nil
	}
	return sc.Subscriptions, sc.Vaults, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
