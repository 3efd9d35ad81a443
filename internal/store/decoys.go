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

const decoyColumns = "id, vault_id, vault_name, name, type, created_by, created_at, status, updated_at, memo"

// DecoyFilter selects decoys. The zero value selects all.
type DecoyFilter struct {
	VaultID       string          // one vault, any case
	Subscriptions []string        // only these subscriptions, any case (empty: all)
	Scope         *VaultScope     // nil: all; else only decoys inside it (a vault owner's view)
	Status        registry.Status // "" for any
	Type          registry.Type   // "" for any
	UpdatedAfter  time.Time       // only decoys changed after this time
	Search        string          // only decoys whose name or vault name contains this, any case
	AfterID       int64           // paging: ids greater than this
	Limit         int             // 0 for no limit
}

// AddDecoy stores one decoy, filling its ID (and CreatedAt when zero). It
// returns ErrConflict if the vault already has that object as a decoy.
func (s *Store) AddDecoy(ctx context.Context, d *registry.Decoy) error {
	if err := d.Validate(); err != nil {
		return err
	}
	if d.CreatedAt.IsZero() {
		d.CreatedAt = s.now()
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		seq, err := takeChangeSeq(ctx, tx)
		if err != nil {
			return err
		}
		id, err := insertDecoy(ctx, tx, *d, s.now(), seq, false)
		if err != nil {
			if s.dialect.isUniqueViolation(err) {
				return fmt.Errorf("%w: %s %q in %s", ErrConflict, d.Type, d.Name, d.VaultName)
			}
			return fmt.Errorf("store: unable to add decoy: %w", err)
		}
		d.ID = id
		return nil
	})
}

// insertDecoy inserts d, stamped with tx's change number seq
// (takeChangeSeq), and returns its id; with skipExisting an existing decoy
// is left alone and 0 is returned.
func insertDecoy(ctx context.Context, tx *sql.Tx, d registry.Decoy, now time.Time, seq int64, skipExisting bool) (int64, error) {
	q := `INSERT INTO decoys (vault_id, vault_key, vault_name, subscription_key, name, name_key, type, created_by, created_at, status, updated_at, memo, change_seq)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`
	if skipExisting {
		q += " ON CONFLICT (vault_key, type, name_key) DO NOTHING"
	}
	q += " RETURNING id"
	var id int64
	err := tx.QueryRowContext(ctx, q, d.VaultID, registry.VaultKey(d.VaultID), d.VaultName,
		strings.ToLower(registry.SubscriptionFromID(d.VaultID)), d.Name, registry.NameKey(d.VaultID, d.Name), string(d.Type),
		storable.Text(d.CreatedBy), micros(d.CreatedAt), string(d.Status), micros(now), storable.Text(d.Memo), seq).Scan(&id)
	if skipExisting && errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// GetDecoy returns one decoy by id, or ErrNotFound.
func (s *Store) GetDecoy(ctx context.Context, id int64) (registry.Decoy, error) {
	row := s.r.QueryRowContext(ctx, "SELECT "+decoyColumns+" FROM decoys WHERE id = $1", id)
	d, err := scanDecoy(row)
	if errors.Is(err, sql.ErrNoRows) {
		return d, fmt.Errorf("%w: decoy %d", ErrNotFound, id)
	}
	if err != nil {
		return d, fmt.Errorf("store: unable to fetch decoy %d: %w", id, err)
	}
	return d, nil
}

// ListDecoys returns the decoys f selects, ordered by id.
func (s *Store) ListDecoys(ctx context.Context, f DecoyFilter) ([]registry.Decoy, error) {
	var where []string
	var p params
	if f.VaultID != "" {
		where = append(where, "vault_key = "+p.add(registry.VaultKey(f.VaultID)))
	}
	if len(f.Subscriptions) > 0 {
		subs := make([]string, len(f.Subscriptions))
		for i, sub := range f.Subscriptions {
			subs[i] = strings.ToLower(sub)
		}
		where = append(where, "subscription_key IN ("+list(&p, subs)+")")
	}
	if f.Scope != nil {
		where = append(where, f.Scope.where(&p))
	}
	if f.Status != "" {
		where = append(where, "status = "+p.add(string(f.Status)))
	}
	if f.Type != "" {
		where = append(where, "type = "+p.add(string(f.Type)))
	}
	if !f.UpdatedAfter.IsZero() {
		where = append(where, "updated_at > "+p.add(micros(f.UpdatedAfter)))
	}
	if v := strings.TrimSpace(f.Search); v != "" {
		like := p.add("%" + likeEscaper.Replace(strings.ToLower(v)) + "%")
		where = append(where, "(LOWER(name) LIKE "+like+" ESCAPE '!' OR LOWER(vault_name) LIKE "+like+" ESCAPE '!')")
	}
	if f.AfterID > 0 {
		where = append(where, "id > "+p.add(f.AfterID))
	}
	q := "SELECT " + decoyColumns + " FROM decoys" + whereClause(where) + " ORDER BY id"
	if f.Limit > 0 {
		q += " LIMIT " + p.add(f.Limit)
	}
	rows, err := s.r.QueryContext(ctx, q, p...)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list decoys: %w", err)
	}
	defer rows.Close()
	var out []registry.Decoy
	for rows.Next() {
		d, err := scanDecoy(rows)
		if err != nil {
			return nil, fmt.Errorf("store: unable to list decoys: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unable to list decoys: %w", err)
	}
	return out, nil
}

// SetDecoyStatus changes a decoy's status (and memo, when memo is not nil)
// and records it in the audit trail in the same transaction: who.Action
// ("decoy.retire"; default "decoy.status"), target "decoy:ID", a detail
// naming the decoy, its vault and the old and new status, then who.Detail.
// Retiring a decoy also closes its open findings, audited as
// ResolveFindings does, in the same transaction.
func (s *Store) SetDecoyStatus(ctx context.Context, id int64, st registry.Status, memo *string, who AuditEntry) error {
	if _, err := registry.ParseStatus(string(st)); err != nil {
		return err
	}
	if err := checkActor(who); err != nil {
		return err
	}
	action := who.Action
	if action == "" {
		action = "decoy.status"
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		seq, err := takeChangeSeq(ctx, tx) // before the read: see takeChangeSeq
		if err != nil {
			return err
		}
		var old string
		err = tx.QueryRowContext(ctx, "SELECT status FROM decoys WHERE id = $1", id).Scan(&old)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: decoy %d", ErrNotFound, id)
		}
		if err != nil {
			return fmt.Errorf("store: unable to update decoy %d: %w", id, err)
		}
		q, args := "UPDATE decoys SET status = $1, updated_at = $2, change_seq = $4 WHERE id = $3", []any{string(st), micros(s.now()), id, seq}
		if memo != nil {
			q, args = "UPDATE decoys SET status = $1, updated_at = $2, change_seq = $4, memo = $5 WHERE id = $3", append(args, storable.Text(*memo))
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("store: unable to update decoy %d: %w", id, err)
		}
		if err := s.auditDecoyTx(ctx, tx, who, action, id, fmt.Sprintf("status %s → %s", old, st)); err != nil {
			return err
		}
		if st != registry.Retired {
			return nil
		}
		// A retired decoy is watched no more: whatever reconcile found
		// wrong with it is settled by the person who retired it (a purged
		// or overwritten decoy cannot come back, and retiring is its fix).
		_, err = s.resolveFindingsTx(ctx, tx, id, s.now(), who)
		return err
	})
}

// CountDecoys returns how many decoys have each status.
func (s *Store) CountDecoys(ctx context.Context) (map[registry.Status]int, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT status, COUNT(*) FROM decoys GROUP BY status")
	if err != nil {
		return nil, fmt.Errorf("store: unable to count decoys: %w", err)
	}
	defer rows.Close()
	out := make(map[registry.Status]int)
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("store: unable to count decoys: %w", err)
		}
		out[registry.Status(st)] = n
	}
	return out, rows.Err()
}

type scanner interface{ Scan(dest ...any) error }

func scanDecoy(sc scanner) (registry.Decoy, error) {
	var d registry.Decoy
	var typ, status string
	var created, updated int64
	err := sc.Scan(&d.ID, &d.VaultID, &d.VaultName, &d.Name, &typ, &d.CreatedBy, &created, &status, &updated, &d.Memo)
	d.Type, d.Status, d.CreatedAt = registry.Type(typ), registry.Status(status), fromMicros(created)
	return d, err
}

func nowUTC() time.Time { return time.Now().UTC() }
