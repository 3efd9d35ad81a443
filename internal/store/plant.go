package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/storable"
)

// PlantState is where a decoy's planting stands.
type PlantState string

// Planting states.
const (
	// PlantPending: the decoy is in the registry and its create request is
	// about to go, or went without an answer. Reconcile settles it.
	PlantPending PlantState = "pending"
	// Planted: the vault confirmed the create.
	Planted PlantState = "planted"
)

// PlantedObject is the vault's view of a decoy right after planting: what
// reconcile compares later. Never a value; ValueHash is a keyed hash.
type PlantedObject struct {
	ValueHash   string
	Version     string
	Fingerprint string // certificates: thumbprint
	Created     time.Time
	Updated     time.Time
	Enabled     bool
}

// Planting is the planting record of one decoy.
type Planting struct {
	DecoyID   int64
	State     PlantState
	PlantedBy string // object id of the planting identity
	Object    PlantedObject
	PlantedAt time.Time
	// ReconciledAt is the last time reconcile checked the decoy; zero: never.
	ReconciledAt time.Time
}

// PlantedDecoy is a decoy with its planting record; Planting is nil for
// decoys honeyvault did not plant (imported from a watchlist).
type PlantedDecoy struct {
	registry.Decoy
	Planting *Planting
}

// NewPlanting is one decoy about to be planted.
type NewPlanting struct {
	Decoy     *registry.Decoy // stored as is; its ID is filled in
	PlantedBy string          // object id of the planting identity
	// Allow, when set, is stored scoped to this decoy: the planter's own
	// create operation must not alert.
	Allow *AllowRule
	// Canary, when set, is the tripwire the decoy's value will carry:
	// stored with the decoy, in the same transaction.
	Canary *NewCanary
}

// BeginPlanting records decoys about to be created, each with a pending
// planting and its allow rule, in one transaction: all or nothing. Doing it
// before the create means detection already watches a decoy when it
// appears, and no decoy can exist in a vault without a registry row. It
// returns ErrConflict when one of them is already in the registry.
func (s *Store) BeginPlanting(ctx context.Context, ps []NewPlanting) error {
	for _, p := range ps {
		if p.Decoy == nil {
			return errors.New("store: planting without a decoy")
		}
		if err := p.Decoy.Validate(); err != nil {
			return err
		}
		if p.Allow != nil {
			if err := p.Allow.validate(); err != nil {
				return err
			}
		}
		if p.Canary != nil {
			if p.Decoy.Type != registry.Secret {
				return fmt.Errorf("store: a canary on %s %q: only a secret's value can carry one", p.Decoy.Type, p.Decoy.Name)
			}
			if err := p.Canary.validate(); err != nil {
				return err
			}
		}
	}
	now := s.now()
	ids := make([]int64, len(ps))
	err := s.tx(ctx, func(tx *sql.Tx) error {
		seq, err := takeChangeSeq(ctx, tx)
		if err != nil {
			return err
		}
		for i, p := range ps {
			d := *p.Decoy
			if d.CreatedAt.IsZero() {
				d.CreatedAt = now
			}
			if d.Status == "" {
				d.Status = registry.Active
			}
			id, err := insertDecoy(ctx, tx, d, now, seq, false)
			if err != nil {
				if s.dialect.isUniqueViolation(err) {
					return fmt.Errorf("%w: %s %q in %s", ErrConflict, d.Type, d.Name, d.VaultName)
				}
				return fmt.Errorf("store: unable to record decoy %q: %w", d.Name, err)
			}
			ids[i] = id
			if _, err := tx.ExecContext(ctx, `INSERT INTO plantings (decoy_id, state, planted_by, value_hash, version, fingerprint,
				object_created, object_updated, object_enabled, planted_at, reconciled_at) VALUES ($1, $2, $3, '', '', '', 0, 0, 0, $4, 0)`,
				id, string(PlantPending), storable.Text(p.PlantedBy), micros(now)); err != nil {
				return fmt.Errorf("store: unable to record planting of %q: %w", d.Name, err)
			}
			if p.Canary != nil {
				if err := insertCanary(ctx, tx, id, *p.Canary, now); err != nil {
					if s.dialect.isUniqueViolation(err) {
						return fmt.Errorf("%w: canary token of %q", ErrConflict, d.Name)
					}
					return fmt.Errorf("store: unable to record the canary of %q: %w", d.Name, err)
				}
			}
			if p.Allow != nil {
				r := *p.Allow
				r.VaultID, r.Type, r.Name, r.DecoyID = d.VaultID, d.Type, d.Name, id
				if _, err := insertAllowRule(ctx, tx, r, "planter "+p.PlantedBy, now); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i, p := range ps {
		p.Decoy.ID = ids[i]
		if p.Decoy.CreatedAt.IsZero() {
			p.Decoy.CreatedAt = now
		}
		if p.Decoy.Status == "" {
			p.Decoy.Status = registry.Active
		}
	}
	return nil
}

// CompletePlanting records that the vault created the decoy, with the
// vault's view of it, and a "decoy.plant" row in the audit trail for who
// (see CompletePlantings).
func (s *Store) CompletePlanting(ctx context.Context, decoyID int64, o PlantedObject, who AuditEntry) error {
	return s.CompletePlantings(ctx, []Completed{{DecoyID: decoyID, Object: o}}, who)
}

// Completed is one decoy the vault created, with the vault's view of it.
type Completed struct {
	DecoyID int64
	Object  PlantedObject
}

// CompletePlantings records several completed plantings in one
// transaction (one commit per vault instead of one per decoy), each with
// its "decoy.plant" row in the audit trail: who's Actor, RemoteAddr and
// Time, a detail naming the decoy and its vault followed by who.Detail. A
// planting is audited here, when the vault has confirmed the create, not
// when its pending record is begun: a create the vault refuses leaves
// neither a decoy nor an audit row.
func (s *Store) CompletePlantings(ctx context.Context, done []Completed, who AuditEntry) error {
	if len(done) == 0 {
		return nil
	}
	if err := checkActor(who); err != nil {
		return err
	}
	if who.Time.IsZero() {
		who.Time = s.now()
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		for _, c := range done {
			if err := updatePlantingTx(ctx, tx, c.DecoyID, Planted, c.Object); err != nil {
				return err
			}
			if err := s.auditDecoyTx(ctx, tx, who, "decoy.plant", c.DecoyID, "planted"); err != nil {
				return err
			}
		}
		return nil
	})
}

// SetPlantedObject replaces the vault's view of a planted decoy (reconcile
// takes a baseline when planting could not, e.g. a certificate still being
// issued).
func (s *Store) SetPlantedObject(ctx context.Context, decoyID int64, o PlantedObject) error {
	return s.tx(ctx, func(tx *sql.Tx) error { return updatePlantingTx(ctx, tx, decoyID, "", o) })
}

func updatePlantingTx(ctx context.Context, tx *sql.Tx, decoyID int64, st PlantState, o PlantedObject) error {
	q := `UPDATE plantings SET value_hash = CASE WHEN $1 = '' THEN value_hash ELSE $1 END, version = $2, fingerprint = $3,
		object_created = $4, object_updated = $5, object_enabled = $6`
	args := []any{o.ValueHash, o.Version, o.Fingerprint, micros(o.Created), micros(o.Updated), boolInt(o.Enabled), decoyID}
	if st != "" {
		q += ", state = $8"
		args = append(args, string(st))
	}
	res, err := tx.ExecContext(ctx, q+" WHERE decoy_id = $7", args...)
	if err != nil {
		return fmt.Errorf("store: unable to update planting of decoy %d: %w", decoyID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: planting of decoy %d", ErrNotFound, decoyID)
	}
	return nil
}

// AbandonPlanting forgets a pending decoy whose create the vault refused:
// its registry row, planting, allow rules and canary go, since nothing was
// created.
// A decoy already planted is left alone (ErrConflict).
func (s *Store) AbandonPlanting(ctx context.Context, decoyID int64) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var st string
		err := tx.QueryRowContext(ctx, "SELECT state FROM plantings WHERE decoy_id = $1", decoyID).Scan(&st)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: planting of decoy %d", ErrNotFound, decoyID)
		}
		if err != nil {
			return fmt.Errorf("store: unable to read planting of decoy %d: %w", decoyID, err)
		}
		if PlantState(st) != PlantPending {
			return fmt.Errorf("%w: decoy %d is planted; retire it instead", ErrConflict, decoyID)
		}
		for _, q := range []string{"DELETE FROM allow_rules WHERE decoy_id = $1", "DELETE FROM plantings WHERE decoy_id = $1",
			"DELETE FROM canaries WHERE decoy_id = $1", "DELETE FROM decoys WHERE id = $1"} {
			if _, err := tx.ExecContext(ctx, q, decoyID); err != nil {
				return fmt.Errorf("store: unable to abandon decoy %d: %w", decoyID, err)
			}
		}
		return nil
	})
}

// MarkReconciled stamps when reconcile last checked these decoys.
func (s *Store) MarkReconciled(ctx context.Context, decoyIDs []int64, at time.Time) error {
	if len(decoyIDs) == 0 {
		return nil
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		for _, id := range decoyIDs {
			if _, err := tx.ExecContext(ctx, "UPDATE plantings SET reconciled_at = $1 WHERE decoy_id = $2", micros(at), id); err != nil {
				return fmt.Errorf("store: unable to mark decoy %d reconciled: %w", id, err)
			}
		}
		return nil
	})
}

// PlantedDecoys returns the decoys f selects, each with its planting record
// when honeyvault planted it, ordered by id.
func (s *Store) PlantedDecoys(ctx context.Context, f DecoyFilter) ([]PlantedDecoy, error) {
	decoys, err := s.ListDecoys(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]PlantedDecoy, len(decoys))
	byID := make(map[int64]int, len(decoys))
	for i, d := range decoys {
		out[i].Decoy = d
		byID[d.ID] = i
	}
	// Read plantings in chunks of ids: one query per chunk, whatever the filter.
	const chunk = 500
	for lo := 0; lo < len(decoys); lo += chunk {
		hi := min(lo+chunk, len(decoys))
		ph := make([]string, 0, hi-lo)
		args := make([]any, 0, hi-lo)
		for _, d := range decoys[lo:hi] {
			args = append(args, d.ID)
			ph = append(ph, s.dialect.placeholder(len(args)))
		}
		rows, err := s.r.QueryContext(ctx, `SELECT decoy_id, state, planted_by, value_hash, version, fingerprint,
			object_created, object_updated, object_enabled, planted_at, reconciled_at FROM plantings WHERE decoy_id IN (`+strings.Join(ph, ", ")+")", args...)
		if err != nil {
			return nil, fmt.Errorf("store: unable to list plantings: %w", err)
		}
		for rows.Next() {
			var p Planting
			var st string
			var created, updated, planted, reconciled int64
			var enabled int
			if err := rows.Scan(&p.DecoyID, &st, &p.PlantedBy, &p.Object.ValueHash, &p.Object.Version, &p.Object.Fingerprint,
				&created, &updated, &enabled, &planted, &reconciled); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: unable to list plantings: %w", err)
			}
			p.State = PlantState(st)
			p.Object.Created, p.Object.Updated, p.Object.Enabled = fromMicros(created), fromMicros(updated), enabled != 0
			p.PlantedAt, p.ReconciledAt = fromMicros(planted), fromMicros(reconciled)
			out[byID[p.DecoyID]].Planting = &p
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("store: unable to list plantings: %w", err)
		}
	}
	return out, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
