package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// AuditEntry is one action of honeyvault itself — not of the vaults it
// watches — kept in an append-only trail that admins can read and export.
//
// Every change honeyvault makes to its registry, its allow rules, its tokens
// or its incidents is recorded, in the same transaction as the change where
// the change is in the database (the methods that make such changes take
// the AuditEntry that says who asks), so a change that rolls back leaves no
// row and no change is left without one. Actions are "noun.verb" in lower
// case; the ones in use are:
//
//	auth.sign_in, auth.sign_in_failed, auth.sign_out   (internal/web)
//	auth.sign_in_rate_limited  sign-in attempts the rate limit refused, one row per client and window (auth.Refusals)
//	token.create, token.revoke                         (internal/web, honeyvault token)
//	decoy.plant        a decoy the vault created, one row each (plant, lab; reconcile settling a pending create)
//	decoy.retire       a decoy deleted (and purged) and marked retired (retire)
//	decoy.status       reconcile marking a decoy missing or active again
//	decoy.finding      reconcile finding a decoy deleted, purged, disabled or changed outside honeyvault
//	decoy.finding_resolved  reconcile seeing a finding's cause gone
//	decoy.import       a watchlist import that added decoys (watchlist import, serve --watchlist)
//	allow.add          an allow rule stored (retire's own deletes; an admin in the console or API)
//	allow.remove       a stored allow rule deleted (an admin in the console or API)
//	notify.test        a test message sent through a channel, with its outcome (console, API)
//	vault.access_grant, vault.access_restore  a temporary access-policy grant and its removal (plant --grant-temporary)
//	incident.update                                    (incidents)
//
// Decoy names appear in the detail: the trail is for admins only, like the
// registry itself. Never put a secret in any field: no token, no password,
// no decoy value.
type AuditEntry struct {
	ID         int64     // store-assigned
	Time       time.Time // when; zero means now
	Actor      string    // who: an e-mail, "token:12 (ci)", "bootstrap:admin", "cli:root", "system"
	Action     string    // what, "noun.verb": "token.create"
	Target     string    // to what: "token:12", a vault ARM id, "incident:7"; may be empty
	Detail     string    // free text or JSON for people reading the trail
	RemoteAddr string    // from where: the client IP; empty for local commands
}

// Limits on audit fields: long values are cut, never refused, because an
// action must not fail for want of an audit row.
const (
	maxAuditField  = 512
	maxAuditDetail = 4096
)

// RecordAudit appends e to the audit trail. Actor and Action are required;
// text that PostgreSQL would refuse (NUL bytes, invalid UTF-8) is cleaned and
// over-long fields are cut, so any caller-supplied text can be recorded.
func (s *Store) RecordAudit(ctx context.Context, e AuditEntry) error {
	if err := s.prepareAudit(&e); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error { return insertAudit(ctx, tx, e) })
}

// prepareAudit validates and cleans e in place.
func (s *Store) prepareAudit(e *AuditEntry) error {
	e.Actor = cleanText(e.Actor, maxAuditField)
	e.Action = cleanText(e.Action, maxAuditField)
	e.Target = cleanText(e.Target, maxAuditField)
	e.Detail = cleanText(e.Detail, maxAuditDetail)
	e.RemoteAddr = cleanText(e.RemoteAddr, maxAuditField)
	if e.Actor == "" {
		return errors.New("store: audit entry without an actor")
	}
	if e.Action == "" {
		return errors.New("store: audit entry without an action")
	}
	if e.Time.IsZero() {
		e.Time = s.now()
	}
	return nil
}

// checkActor refuses a change nobody answers for, before anything is
// written.
func checkActor(who AuditEntry) error {
	if strings.TrimSpace(who.Actor) == "" {
		return errors.New("store: a change needs an audit entry naming who asks for it")
	}
	return nil
}

// auditDecoyTx appends to the audit trail, inside tx, that who (its Actor,
// RemoteAddr and Time) did action to decoy id: the target is "decoy:ID", the
// detail names the decoy and its vault, then what, then who.Detail.
func (s *Store) auditDecoyTx(ctx context.Context, tx *sql.Tx, who AuditEntry, action string, id int64, what string) error {
	e := who
	e.Action, e.Target = action, fmt.Sprintf("decoy:%d", id)
	var vaultID, vaultName, name, typ string
	desc := fmt.Sprintf("decoy %d", id)
	err := tx.QueryRowContext(ctx, "SELECT vault_id, vault_name, name, type FROM decoys WHERE id = $1", id).Scan(&vaultID, &vaultName, &name, &typ)
	switch {
	case err == nil:
		desc = fmt.Sprintf("%s %q in vault %s (%s)", typ, name, vaultName, vaultID)
	case errors.Is(err, sql.ErrNoRows):
		desc += " (not in the registry)"
	default:
		return fmt.Errorf("store: unable to read decoy %d for the audit trail: %w", id, err)
	}
	e.Detail = joinDetail(desc, what, who.Detail)
	if err := s.prepareAudit(&e); err != nil {
		return err
	}
	return insertAudit(ctx, tx, e)
}

// joinDetail joins the non-empty parts of an audit detail with "; ".
func joinDetail(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "; ")
}

func insertAudit(ctx context.Context, tx *sql.Tx, e AuditEntry) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO audit_log (at, actor, action, target, detail, remote_addr)
		VALUES ($1, $2, $3, $4, $5, $6)`, micros(e.Time), e.Actor, e.Action, e.Target, e.Detail, e.RemoteAddr)
	if err != nil {
		return fmt.Errorf("store: unable to record audit entry: %w", err)
	}
	return nil
}

// AuditFilter selects audit entries. The zero value selects all.
type AuditFilter struct {
	Actor    string    // exact, any case
	Action   string    // exact, or a prefix ending in "." ("auth.")
	Since    time.Time // at or after
	Until    time.Time // before
	BeforeID int64     // paging for ListAudit (newest first): ids below this
	Limit    int       // 0 for no limit
}

func (f AuditFilter) where(p *params) string {
	var where []string
	if f.Actor != "" {
		where = append(where, "LOWER(actor) = "+p.add(strings.ToLower(f.Actor)))
	}
	if strings.HasSuffix(f.Action, ".") {
		where = append(where, fmt.Sprintf("SUBSTR(action, 1, %d) = %s", len(f.Action), p.add(f.Action)))
	} else if f.Action != "" {
		where = append(where, "action = "+p.add(f.Action))
	}
	if !f.Since.IsZero() {
		where = append(where, "at >= "+p.add(micros(f.Since)))
	}
	if !f.Until.IsZero() {
		where = append(where, "at < "+p.add(micros(f.Until)))
	}
	if f.BeforeID > 0 {
		where = append(where, "id < "+p.add(f.BeforeID))
	}
	return whereClause(where)
}

const auditColumns = "id, at, actor, action, target, detail, remote_addr"

// ListAudit returns the entries f selects, newest first.
func (s *Store) ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	var out []AuditEntry
	err := s.queryAudit(ctx, f, "DESC", func(e AuditEntry) error {
		out = append(out, e)
		return nil
	})
	return out, err
}

// EachAudit calls fn for every entry f selects, oldest first, without
// holding them all in memory: the export path. It stops at fn's first error
// and returns it.
func (s *Store) EachAudit(ctx context.Context, f AuditFilter, fn func(AuditEntry) error) error {
	return s.queryAudit(ctx, f, "ASC", fn)
}

func (s *Store) queryAudit(ctx context.Context, f AuditFilter, order string, fn func(AuditEntry) error) error {
	var p params
	q := "SELECT " + auditColumns + " FROM audit_log" + f.where(&p) + " ORDER BY id " + order
	if f.Limit > 0 {
		q += " LIMIT " + p.add(f.Limit)
	}
	rows, err := s.r.QueryContext(ctx, q, p...)
	if err != nil {
		return fmt.Errorf("store: unable to read the audit trail: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Target, &e.Detail, &e.RemoteAddr); err != nil {
			return fmt.Errorf("store: unable to read the audit trail: %w", err)
		}
		e.Time = fromMicros(at)
		if err := fn(e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: unable to read the audit trail: %w", err)
	}
	return nil
}
