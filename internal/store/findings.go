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

// FindingKind says what reconcile found wrong with a decoy.
type FindingKind string

// The kinds of finding.
const (
	FindingDeleted     FindingKind = "deleted"      // soft-deleted outside honeyvault (recoverable)
	FindingGone        FindingKind = "gone"         // neither live nor soft-deleted: purged
	FindingVaultGone   FindingKind = "vault-gone"   // the vault itself no longer exists
	FindingDisabled    FindingKind = "disabled"     // still there, but disabled
	FindingNewVersion  FindingKind = "new-version"  // a new version (or certificate) replaced honeyvault's
	FindingChanged     FindingKind = "changed"      // attributes or tags updated
	FindingNeverPlaced FindingKind = "never-placed" // a pending create never reached the vault
)

// Finding is one thing reconcile found wrong with a decoy.
type Finding struct {
	ID         int64
	DecoyID    int64
	VaultID    string
	Kind       FindingKind
	Detail     string // for people; never a value
	FoundAt    time.Time
	ResolvedAt time.Time // zero while open
	AlertedAt  time.Time // set by whatever turns findings into alerts
}

// AddFinding records a finding unless the decoy already has an open one of
// the same kind, and reports whether it added one (filling f.ID and
// FoundAt). A finding added is recorded in the audit trail in the same
// transaction, as "decoy.finding" by who.
func (s *Store) AddFinding(ctx context.Context, f *Finding, who AuditEntry) (bool, error) {
	if f.DecoyID == 0 || f.Kind == "" {
		return false, errors.New("store: a finding needs a decoy and a kind")
	}
	if err := checkActor(who); err != nil {
		return false, err
	}
	now := s.now()
	if f.FoundAt.IsZero() {
		f.FoundAt = now
	}
	added := false
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM decoy_findings WHERE decoy_id = $1 AND kind = $2 AND resolved_at = 0",
			f.DecoyID, string(f.Kind)).Scan(&n); err != nil {
			return fmt.Errorf("store: unable to check findings: %w", err)
		}
		if n > 0 {
			return nil
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO decoy_findings (decoy_id, vault_id, vault_key, kind, detail, found_at, resolved_at, alerted_at)
			VALUES ($1, $2, $3, $4, $5, $6, 0, 0) RETURNING id`,
			f.DecoyID, f.VaultID, registry.VaultKey(f.VaultID), string(f.Kind), storable.Text(f.Detail), micros(f.FoundAt)).Scan(&f.ID); err != nil {
			return fmt.Errorf("store: unable to add finding: %w", err)
		}
		added = true
		return s.auditDecoyTx(ctx, tx, who, "decoy.finding", f.DecoyID, joinDetail(fmt.Sprintf("finding %d: %s", f.ID, f.Kind), f.Detail))
	})
	return added, err
}

// ResolveFindings closes the decoy's open findings of the given kinds (all
// kinds when none are given) and reports how many it closed. Closing some
// is recorded in the audit trail in the same transaction, as
// "decoy.finding_resolved" by who.
func (s *Store) ResolveFindings(ctx context.Context, decoyID int64, at time.Time, who AuditEntry, kinds ...FindingKind) (int, error) {
	if err := checkActor(who); err != nil {
		return 0, err
	}
	var closed int
	err := s.tx(ctx, func(tx *sql.Tx) (err error) {
		closed, err = s.resolveFindingsTx(ctx, tx, decoyID, at, who, kinds...)
		return err
	})
	return closed, err
}

// resolveFindingsTx is ResolveFindings in tx: SetDecoyStatus closes a
// retired decoy's findings with it.
func (s *Store) resolveFindingsTx(ctx context.Context, tx *sql.Tx, decoyID int64, at time.Time, who AuditEntry, kinds ...FindingKind) (int, error) {
	var p params
	where := " WHERE decoy_id = " + p.add(decoyID) + " AND resolved_at = 0"
	if len(kinds) > 0 {
		where += " AND kind IN (" + list(&p, kinds) + ")"
	}
	rows, err := tx.QueryContext(ctx, "SELECT id, kind FROM decoy_findings"+where+" ORDER BY id", p...)
	if err != nil {
		return 0, fmt.Errorf("store: unable to resolve findings: %w", err)
	}
	var closed []string
	for rows.Next() {
		var id int64
		var kind string
		if err := rows.Scan(&id, &kind); err != nil {
			rows.Close()
			return 0, fmt.Errorf("store: unable to resolve findings: %w", err)
		}
		closed = append(closed, fmt.Sprintf("finding %d: %s", id, kind))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("store: unable to resolve findings: %w", err)
	}
	if len(closed) == 0 {
		return 0, nil
	}
	set := append(params(nil), p...)
	if _, err := tx.ExecContext(ctx, "UPDATE decoy_findings SET resolved_at = "+set.add(micros(at))+where, set...); err != nil {
		return 0, fmt.Errorf("store: unable to resolve findings: %w", err)
	}
	return len(closed), s.auditDecoyTx(ctx, tx, who, "decoy.finding_resolved", decoyID, strings.Join(closed, ", "))
}

// FindingFilter selects findings; the zero value selects all.
type FindingFilter struct {
	VaultID  string // one vault, any case
	DecoyID  int64
	OpenOnly bool
	// Unalerted selects findings no alert was raised for yet.
	Unalerted bool
	// ResolvedAfter, when set, selects findings resolved after it.
	ResolvedAfter time.Time
	AfterID       int64
	Limit         int
}

// ListFindings returns the findings f selects, ordered by id.
func (s *Store) ListFindings(ctx context.Context, f FindingFilter) ([]Finding, error) {
	var where []string
	var p params
	if f.VaultID != "" {
		where = append(where, "vault_key = "+p.add(registry.VaultKey(f.VaultID)))
	}
	if f.DecoyID != 0 {
		where = append(where, "decoy_id = "+p.add(f.DecoyID))
	}
	if f.OpenOnly {
		where = append(where, "resolved_at = 0")
	}
	if f.Unalerted {
		where = append(where, "alerted_at = 0")
	}
	if !f.ResolvedAfter.IsZero() {
		where = append(where, "resolved_at > "+p.add(micros(f.ResolvedAfter)))
	}
	if f.AfterID > 0 {
		where = append(where, "id > "+p.add(f.AfterID))
	}
	q := "SELECT id, decoy_id, vault_id, kind, detail, found_at, resolved_at, alerted_at FROM decoy_findings"
	q += whereClause(where)
	q += " ORDER BY id"
	if f.Limit > 0 {
		q += " LIMIT " + p.add(f.Limit)
	}
	rows, err := s.r.QueryContext(ctx, q, p...)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list findings: %w", err)
	}
	defer rows.Close()
	var out []Finding
	for rows.Next() {
		var fd Finding
		var kind string
		var found, resolved, alerted int64
		if err := rows.Scan(&fd.ID, &fd.DecoyID, &fd.VaultID, &kind, &fd.Detail, &found, &resolved, &alerted); err != nil {
			return nil, fmt.Errorf("store: unable to list findings: %w", err)
		}
		fd.Kind, fd.FoundAt, fd.ResolvedAt, fd.AlertedAt = FindingKind(kind), fromMicros(found), fromMicros(resolved), fromMicros(alerted)
		out = append(out, fd)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unable to list findings: %w", err)
	}
	return out, nil
}

// MarkFindingAlerted records that a finding became an alert.
func (s *Store) MarkFindingAlerted(ctx context.Context, id int64, at time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE decoy_findings SET alerted_at = $1 WHERE id = $2", micros(at), id)
		if err != nil {
			return fmt.Errorf("store: unable to update finding %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: finding %d", ErrNotFound, id)
		}
		return nil
	})
}

// ClaimFindingAlert marks finding id alerted at at, inside the transaction
// that raises its alert, and reports whether this transaction is the one
// that did: false when it was alerted already (by an earlier run, or by
// another replica meanwhile). The mark commits or rolls back with the
// alert, so a finding is alerted exactly once.
func (t *Tx) ClaimFindingAlert(ctx context.Context, id int64, at time.Time) (bool, error) {
	res, err := t.tx.ExecContext(ctx, "UPDATE decoy_findings SET alerted_at = $1 WHERE id = $2 AND alerted_at = 0", micros(at), id)
	if err != nil {
		return false, fmt.Errorf("store: unable to update finding %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: unable to update finding %d: %w", id, err)
	}
	return n == 1, nil
}
