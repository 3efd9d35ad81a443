package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/honeyvault/honeyvault/internal/canary"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// NewCanary is the tripwire a decoy about to be planted carries in its
// value: its kind and the token that names it (canary.NewToken). The value
// itself is made later, by the deployer, and never stored.
type NewCanary struct {
	Kind  canary.Kind
	Token string
}

func (c NewCanary) validate() error {
	if !c.Kind.Valid() {
		return fmt.Errorf("store: unknown canary kind %q (want http, dns, postgres or entra)", c.Kind)
	}
	if c.Kind == canary.KindEntra && !canary.ValidAppID(c.Token) {
		return errors.New("store: an entra canary's token is its app id, a GUID in lower case")
	}
	if !c.Kind.ValidTokenOf(c.Token) {
		return errors.New("store: a canary token must be 20 characters of lowercase base32 (canary.NewToken)")
	}
	return nil
}

// Canary is a decoy's tripwire as the registry keeps it.
type Canary struct {
	ID        int64
	DecoyID   int64
	Kind      canary.Kind
	Token     string
	CreatedAt time.Time
}

func insertCanary(ctx context.Context, tx *sql.Tx, decoyID int64, c NewCanary, now time.Time) error {
	_, err := tx.ExecContext(ctx, "INSERT INTO canaries (decoy_id, kind, token, created_at) VALUES ($1, $2, $3, $4)",
		decoyID, string(c.Kind), c.Token, micros(now))
	return err
}

// CanaryByToken returns the canary a token names and its decoy, or
// ErrNotFound: a token the registry does not know (a scan of a listener,
// a guess) names nothing.
func (s *Store) CanaryByToken(ctx context.Context, token string) (Canary, registry.Decoy, error) {
	if !canary.ValidToken(token) && !canary.ValidAppID(token) {
		return Canary{}, registry.Decoy{}, fmt.Errorf("%w: not a canary token", ErrNotFound)
	}
	var c Canary
	var kind string
	var created int64
	err := s.r.QueryRowContext(ctx, "SELECT id, decoy_id, kind, token, created_at FROM canaries WHERE token = $1", token).
		Scan(&c.ID, &c.DecoyID, &kind, &c.Token, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return Canary{}, registry.Decoy{}, fmt.Errorf("%w: canary token", ErrNotFound)
	}
	if err != nil {
		return Canary{}, registry.Decoy{}, fmt.Errorf("store: unable to fetch canary: %w", err)
	}
	c.Kind, c.CreatedAt = canary.Kind(kind), fromMicros(created)
	d, err := s.GetDecoy(ctx, c.DecoyID)
	if err != nil {
		return Canary{}, registry.Decoy{}, err
	}
	return c, d, nil
}

// AddCanary records the canary a new version of decoy decoyID's value
// carries: every token the decoy's values ever carried keeps naming it,
// since an old version may be the one that was stolen. It returns
// ErrNotFound when there is no such decoy, ErrConflict when the token is
// taken.
func (s *Store) AddCanary(ctx context.Context, decoyID int64, c NewCanary) error {
	if err := c.validate(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		var typ string
		err := tx.QueryRowContext(ctx, "SELECT type FROM decoys WHERE id = $1", decoyID).Scan(&typ)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: decoy %d", ErrNotFound, decoyID)
		}
		if err != nil {
			return fmt.Errorf("store: unable to fetch decoy %d: %w", decoyID, err)
		}
		if registry.Type(typ) != registry.Secret {
			return fmt.Errorf("store: a canary on %s %d: only a secret's value can carry one", typ, decoyID)
		}
		if err := insertCanary(ctx, tx, decoyID, c, s.now()); err != nil {
			if s.dialect.isUniqueViolation(err) {
				return fmt.Errorf("%w: canary token", ErrConflict)
			}
			return fmt.Errorf("store: unable to record a canary: %w", err)
		}
		return nil
	})
}

// DecoyCanary returns the canary decoy decoyID's newest value carries, or
// ErrNotFound when its value is no tripwire.
func (s *Store) DecoyCanary(ctx context.Context, decoyID int64) (Canary, error) {
	var c Canary
	var kind string
	var created int64
	err := s.r.QueryRowContext(ctx, "SELECT id, decoy_id, kind, token, created_at FROM canaries WHERE decoy_id = $1 ORDER BY id DESC LIMIT 1", decoyID).
		Scan(&c.ID, &c.DecoyID, &kind, &c.Token, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return Canary{}, fmt.Errorf("%w: canary of decoy %d", ErrNotFound, decoyID)
	}
	if err != nil {
		return Canary{}, fmt.Errorf("store: unable to fetch canary: %w", err)
	}
	c.Kind, c.CreatedAt = canary.Kind(kind), fromMicros(created)
	return c, nil
}

// OpenIncidentOfDecoy returns the newest incident that is not closed and
// holds an alert of decoy decoyID, or ErrNotFound: where a use of the
// decoy's canary value joins its reads.
func (t *Tx) OpenIncidentOfDecoy(ctx context.Context, decoyID int64) (Incident, error) {
	row := t.tx.QueryRowContext(ctx, "SELECT "+incidentColumns+` FROM incidents WHERE status <> 'closed' AND id IN
		(SELECT incident_id FROM alerts WHERE decoy_id = $1 AND incident_id > 0) ORDER BY id DESC LIMIT 1`, decoyID)
	in, err := scanIncident(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Incident{}, ErrNotFound
	}
	if err != nil {
		return Incident{}, fmt.Errorf("store: unable to find the incident of a decoy: %w", err)
	}
	return in, nil
}

// CanaryKinds returns, for each of decoys ids whose value carries a
// canary, the kind its newest value carries: what the console shows. Never
// the token, which is as sensitive as the decoy's name.
func (s *Store) CanaryKinds(ctx context.Context, ids []int64) (map[int64]canary.Kind, error) {
	out := map[int64]canary.Kind{}
	if len(ids) == 0 {
		return out, nil
	}
	var p params
	rows, err := s.r.QueryContext(ctx, "SELECT decoy_id, kind FROM canaries WHERE id IN (SELECT MAX(id) FROM canaries WHERE decoy_id IN ("+
		list(&p, ids)+") GROUP BY decoy_id)", p...)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read the canaries of decoys: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var kind string
		if err := rows.Scan(&id, &kind); err != nil {
			return nil, fmt.Errorf("store: unable to read the canaries of decoys: %w", err)
		}
		out[id] = canary.Kind(kind)
	}
	return out, rows.Err()
}
