package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/storable"
)

// Incident is a group of alerts an analyst works as one case. Grouping,
// severity and lifecycle rules live in internal/incident; the store only
// keeps the rows.
type Incident struct {
	ID             int64
	GroupKey       string // the grouping fingerprint
	Title          string
	Severity       string // medium, high or critical
	AlertSeverity  string // the highest severity of its alerts
	Status         string // new, active or closed
	Classification string // set when closed: true_positive, benign_positive, false_positive
	Owner          string
	VaultID        string // of the alert that opened it
	VaultName      string
	CallerKey      string // of the alert that opened it (see auditlog.Caller.Key)
	FirstSeen      time.Time
	LastSeen       time.Time
	AlertCount     int
	DecoyCount     int
	PreviousID     int64 // the incident of the same group it did not join; 0: none
	CreatedAt      time.Time
	UpdatedAt      time.Time
	ClosedAt       time.Time
}

const incidentColumns = "id, group_key, title, severity, alert_severity, status, classification, owner, vault_id, vault_name, " +
	"caller_key, first_seen, last_seen, alert_count, decoy_count, previous_id, created_at, updated_at, closed_at"

func scanIncident(sc scanner) (Incident, error) {
	var in Incident
	var first, last, created, updated, closed int64
	err := sc.Scan(&in.ID, &in.GroupKey, &in.Title, &in.Severity, &in.AlertSeverity, &in.Status, &in.Classification,
		&in.Owner, &in.VaultID, &in.VaultName, &in.CallerKey, &first, &last, &in.AlertCount, &in.DecoyCount,
		&in.PreviousID, &created, &updated, &closed)
	in.FirstSeen, in.LastSeen = fromMicros(first), fromMicros(last)
	in.CreatedAt, in.UpdatedAt, in.ClosedAt = fromMicros(created), fromMicros(updated), fromMicros(closed)
	return in, err
}

// Update runs fn in one write transaction, committing when it returns nil.
// Incident changes made through it (and the audit and history rows that go
// with them) commit or fail together.
func (s *Store) Update(ctx context.Context, fn func(*Tx) error) error {
	return s.update(ctx, fn)
}

// Now is the store's clock, the one it stamps rows with.
func (t *Tx) Now() time.Time { return t.s.now() }

// LockGroup serialises find-or-create of incidents with one group key
// across replicas: on PostgreSQL it takes a transaction-scoped advisory lock
// on the key's hash, held until commit; SQLite has a single writer already.
// Lock several keys in sorted order so that two transactions never wait on
// each other in a cycle.
func (t *Tx) LockGroup(ctx context.Context, groupKey string) error {
	h := fnv.New64a()
	h.Write([]byte("honeyvault-incident\x00" + groupKey))
	if err := t.s.dialect.lockInTx(ctx, t.tx, int64(h.Sum64())); err != nil {
		return fmt.Errorf("store: unable to lock incident group: %w", err)
	}
	return nil
}

// LatestIncident returns the newest incident with groupKey, or ErrNotFound.
func (t *Tx) LatestIncident(ctx context.Context, groupKey string) (Incident, error) {
	row := t.tx.QueryRowContext(ctx, "SELECT "+incidentColumns+" FROM incidents WHERE group_key = $1 ORDER BY id DESC LIMIT 1", storable.Key(groupKey))
	in, err := scanIncident(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Incident{}, ErrNotFound
	}
	if err != nil {
		return Incident{}, fmt.Errorf("store: unable to find incident: %w", err)
	}
	return in, nil
}

// IncidentForUpdate reads incident id inside the transaction, locking its row
// on PostgreSQL so that concurrent changes to it queue up.
func (t *Tx) IncidentForUpdate(ctx context.Context, id int64) (Incident, error) {
	q := "SELECT " + incidentColumns + " FROM incidents WHERE id = $1" + t.s.dialect.forUpdate()
	in, err := scanIncident(t.tx.QueryRowContext(ctx, q, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Incident{}, ErrNotFound
	}
	if err != nil {
		return Incident{}, fmt.Errorf("store: unable to read incident: %w", err)
	}
	return in, nil
}

// InsertIncident stores a new incident and fills its ID. A group key longer
// than an index takes is stored shortened (see storable.Key), as
// LatestIncident looks it up.
func (t *Tx) InsertIncident(ctx context.Context, in *Incident) error {
	err := t.tx.QueryRowContext(ctx, `INSERT INTO incidents (group_key, title, severity, alert_severity, status,
		classification, owner, vault_id, vault_name, caller_key, first_seen, last_seen, alert_count, decoy_count,
		previous_id, created_at, updated_at, closed_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id`,
		storable.Key(in.GroupKey), in.Title, in.Severity, in.AlertSeverity, in.Status, in.Classification, in.Owner, in.VaultID,
		strings.ToLower(in.VaultName), in.CallerKey, micros(in.FirstSeen), micros(in.LastSeen), in.AlertCount, in.DecoyCount,
		in.PreviousID, micros(in.CreatedAt), micros(in.UpdatedAt), micros(in.ClosedAt)).Scan(&in.ID)
	if err != nil {
		return fmt.Errorf("store: unable to create incident: %w", err)
	}
	return nil
}

// SaveIncident writes every mutable field of in (all but id, group key,
// previous id and created time).
func (t *Tx) SaveIncident(ctx context.Context, in Incident) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE incidents SET title = $1, severity = $2, alert_severity = $3, status = $4,
		classification = $5, owner = $6, first_seen = $7, last_seen = $8, alert_count = $9, decoy_count = $10,
		updated_at = $11, closed_at = $12 WHERE id = $13`,
		in.Title, in.Severity, in.AlertSeverity, in.Status, in.Classification, in.Owner, micros(in.FirstSeen),
		micros(in.LastSeen), in.AlertCount, in.DecoyCount, micros(in.UpdatedAt), micros(in.ClosedAt), in.ID)
	if err != nil {
		return fmt.Errorf("store: unable to update incident: %w", err)
	}
	return nil
}

// CountIncidentDecoys returns how many distinct decoys the incident's alerts
// touched. Tamper alerts (a change to the vault) name no decoy and do not
// count.
func (t *Tx) CountIncidentDecoys(ctx context.Context, incidentID int64) (int, error) {
	var n int
	if err := t.tx.QueryRowContext(ctx, "SELECT COUNT(DISTINCT decoy_key) FROM alerts WHERE incident_id = $1 AND token <> ''", incidentID).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: unable to count incident decoys: %w", err)
	}
	return n, nil
}

// RecordAudit appends e to the audit trail inside the transaction, so that an
// action and its audit row commit together.
func (t *Tx) RecordAudit(ctx context.Context, e AuditEntry) error {
	if err := t.s.prepareAudit(&e); err != nil {
		return err
	}
	return insertAudit(ctx, t.tx, e)
}

// IncidentFilter selects incidents, newest first. The zero value selects all.
type IncidentFilter struct {
	Status   string // new, active, closed; "open" for new or active
	Severity string
	Vault    string // vault name or ARM id, any case
	// SeenSince selects incidents with an alert at or after it (last seen);
	// zero: any time.
	SeenSince time.Time
	BeforeID  int64 // paging: ids below this
	Limit     int   // 0: 100
}

// where returns f's WHERE clause, binding its arguments in p; without
// withStatus it leaves out the status and the paging (for counts by status).
func (f IncidentFilter) where(p *params, withStatus bool) string {
	var where []string
	switch {
	case !withStatus:
	case f.Status == "":
	case f.Status == "open":
		where = append(where, "status <> 'closed'")
	default:
		where = append(where, "status = "+p.add(f.Status))
	}
	if f.Severity != "" {
		where = append(where, "severity = "+p.add(f.Severity))
	}
	if v := strings.TrimSpace(f.Vault); v != "" {
		if strings.HasPrefix(v, "/") {
			where = append(where, "LOWER(vault_id) = "+p.add(registry.VaultKey(v)))
		} else {
			where = append(where, "vault_name = "+p.add(strings.ToLower(v)))
		}
	}
	if !f.SeenSince.IsZero() {
		where = append(where, "last_seen >= "+p.add(micros(f.SeenSince)))
	}
	if withStatus && f.BeforeID > 0 {
		where = append(where, "id < "+p.add(f.BeforeID))
	}
	return whereClause(where)
}

// GetIncident returns incident id, or ErrNotFound.
func (s *Store) GetIncident(ctx context.Context, id int64) (Incident, error) {
	in, err := scanIncident(s.r.QueryRowContext(ctx, "SELECT "+incidentColumns+" FROM incidents WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Incident{}, ErrNotFound
	}
	if err != nil {
		return Incident{}, fmt.Errorf("store: unable to read incident: %w", err)
	}
	return in, nil
}

// ListIncidents returns the incidents f selects, newest first.
func (s *Store) ListIncidents(ctx context.Context, f IncidentFilter) ([]Incident, error) {
	var p params
	if f.Limit <= 0 {
		f.Limit = 100
	}
	q := "SELECT " + incidentColumns + " FROM incidents"
	q += f.where(&p, true)
	q += " ORDER BY id DESC LIMIT " + p.add(f.Limit)
	rows, err := s.r.QueryContext(ctx, q, p...)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list incidents: %w", err)
	}
	defer rows.Close()
	var out []Incident
	for rows.Next() {
		in, err := scanIncident(rows)
		if err != nil {
			return nil, fmt.Errorf("store: unable to list incidents: %w", err)
		}
		out = append(out, in)
	}
	return out, rows.Err()
}
