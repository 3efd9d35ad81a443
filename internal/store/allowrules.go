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

// AllowRule is an allow rule kept in the database: accesses by Identity
// with one of Operations to the decoy it is scoped to (VaultID, Type, Name;
// all empty for any decoy) do not alert, until Expires (by the audit
// record's own time; zero: never). Planting stores one per decoy for the
// planter's own create operation.
type AllowRule struct {
	ID         int64
	Identity   string   // object id, app id or UPN
	Operations []string // operation names or classes; empty: all
	VaultID    string   // lower-cased as stored
	Type       registry.Type
	Name       string // lower-cased as stored
	DecoyID    int64  // the decoy it was made for; 0: none
	Expires    time.Time
	Note       string
	CreatedAt  time.Time
	CreatedBy  string // the actor that added it, filled by AddAllowRule
}

func (r AllowRule) validate() error {
	if strings.TrimSpace(r.Identity) == "" {
		return errors.New("store: allow rule without an identity")
	}
	if !storable.Is(r.Identity) {
		// Records show a NUL as \u0000 and other bytes as \xNN (see
		// package storable): a rule names a caller in that form.
		return fmt.Errorf("store: allow rule identity %q holds a NUL or bytes that are not UTF-8", r.Identity)
	}
	for _, op := range r.Operations {
		if strings.ContainsAny(op, ", ") || op == "" {
			return fmt.Errorf("store: allow rule operation %q is not an operation name", op)
		}
	}
	return nil
}

// AddAllowRule stores a rule, filling its ID and CreatedAt, and records it
// in the audit trail in the same transaction, as "allow.add" by who: an
// allow rule silences alerts, so who added which is kept.
func (s *Store) AddAllowRule(ctx context.Context, r *AllowRule, who AuditEntry) error {
	if err := r.validate(); err != nil {
		return err
	}
	if err := checkActor(who); err != nil {
		return err
	}
	now := s.now()
	return s.tx(ctx, func(tx *sql.Tx) error {
		id, err := insertAllowRule(ctx, tx, *r, who.Actor, now)
		if err != nil {
			return err
		}
		what := fmt.Sprintf("allow rule %d: %s", id, r.describe())
		if r.DecoyID != 0 {
			if err := s.auditDecoyTx(ctx, tx, who, "allow.add", r.DecoyID, what); err != nil {
				return err
			}
		} else {
			e := who
			e.Action, e.Target, e.Detail = "allow.add", fmt.Sprintf("allow:%d", id), joinDetail(what, who.Detail)
			if err := s.prepareAudit(&e); err != nil {
				return err
			}
			if err := insertAudit(ctx, tx, e); err != nil {
				return err
			}
		}
		r.ID, r.CreatedAt, r.CreatedBy = id, now, who.Actor
		return nil
	})
}

// describe says what the rule lets through, for the audit trail.
func (r AllowRule) describe() string {
	ops := "any operation"
	if len(r.Operations) > 0 {
		ops = strings.Join(r.Operations, ", ")
	}
	until := "no expiry"
	if !r.Expires.IsZero() {
		until = "until " + r.Expires.UTC().Format(time.RFC3339)
	}
	return joinDetail(fmt.Sprintf("%s by %s does not alert, %s", ops, strings.TrimSpace(r.Identity), until), r.Note)
}

func insertAllowRule(ctx context.Context, tx *sql.Tx, r AllowRule, by string, now time.Time) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO allow_rules (identity, operations, vault_key, type, name_key, decoy_id, expires_at, note, created_at, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		strings.TrimSpace(r.Identity), strings.Join(r.Operations, ","), registry.VaultKey(r.VaultID), string(r.Type), registry.NameKey(r.VaultID, r.Name),
		r.DecoyID, micros(r.Expires), storable.Text(r.Note), micros(now), storable.Text(by)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: unable to add allow rule: %w", err)
	}
	return id, nil
}

// AllowRules returns the rules that have not expired before since (zero:
// all), ordered by id. Detection compares expiry with each record's own
// time, and records arrive late, so it asks for rules that expired a while
// ago too.
func (s *Store) AllowRules(ctx context.Context, since time.Time) ([]AllowRule, error) {
	return allowRules(ctx, s.r, since)
}

// AllowRules is Store.AllowRules inside the transaction: what detection
// reads again, in the ingest transaction, before it raises an alert.
func (t *Tx) AllowRules(ctx context.Context, since time.Time) ([]AllowRule, error) {
	return allowRules(ctx, t.tx, since)
}

// querier is what allowRules reads through: the store's pool or a
// transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func allowRules(ctx context.Context, q querier, since time.Time) ([]AllowRule, error) {
	return allowRulesWhere(ctx, q, "expires_at = 0 OR expires_at >= $1", micros(since))
}

// allowRulesWhere lists the rules matching where (SQL with one argument),
// ordered by id.
func allowRulesWhere(ctx context.Context, q querier, where string, arg any) ([]AllowRule, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, identity, operations, vault_key, type, name_key, decoy_id, expires_at, note, created_at, created_by
		FROM allow_rules WHERE `+where+` ORDER BY id`, arg)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list allow rules: %w", err)
	}
	defer rows.Close()
	var out []AllowRule
	for rows.Next() {
		var r AllowRule
		var ops, typ string
		var expires, created int64
		if err := rows.Scan(&r.ID, &r.Identity, &ops, &r.VaultID, &typ, &r.Name, &r.DecoyID, &expires, &r.Note, &created, &r.CreatedBy); err != nil {
			return nil, fmt.Errorf("store: unable to list allow rules: %w", err)
		}
		if ops != "" {
			r.Operations = strings.Split(ops, ",")
		}
		r.Type, r.Expires, r.CreatedAt = registry.Type(typ), fromMicros(expires), fromMicros(created)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unable to list allow rules: %w", err)
	}
	return out, nil
}

// PruneAllowRules deletes rules that expired before cutoff and reports how
// many.
func (s *Store) PruneAllowRules(ctx context.Context, cutoff time.Time) (int, error) {
	n, err := s.deleteRows(ctx, "allow rules", "DELETE FROM allow_rules WHERE expires_at > 0 AND expires_at < $1", micros(cutoff))
	return int(n), err
}

// DeleteAllowRule deletes the rule id and records it in the audit trail in
// the same transaction, as "allow.remove" by who, with what the rule let
// through. It answers ErrNotFound for no such rule.
func (s *Store) DeleteAllowRule(ctx context.Context, id int64, who AuditEntry) error {
	if err := checkActor(who); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		rules, err := allowRulesWhere(ctx, tx, "id = $1", id)
		if err != nil {
			return err
		}
		if len(rules) == 0 {
			return ErrNotFound
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM allow_rules WHERE id = $1", id); err != nil {
			return fmt.Errorf("store: unable to delete allow rule: %w", err)
		}
		e := who
		e.Action, e.Target = "allow.remove", fmt.Sprintf("allow:%d", id)
		e.Detail = joinDetail(fmt.Sprintf("allow rule %d: %s", id, rules[0].describe()), who.Detail)
		if err := s.prepareAudit(&e); err != nil {
			return err
		}
		return insertAudit(ctx, tx, e)
	})
}
