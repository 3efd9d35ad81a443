package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
)

// Alert is one decoy touched by one event, as stored. The event's fields are
// copied in: events are pruned after the retention period, alerts are not.
type Alert struct {
	ID          int64
	IncidentID  int64  // 0 for a suppressed hit
	EventKey    string // the event's DedupKey
	DecoyID     int64
	DecoyKey    string // registry.KeyOf the decoy
	VaultID     string
	VaultName   string
	Token       string // the decoy's name
	TokenType   string // the decoy's type
	ObjectType  string // the type the request named (a certificate's key or secret)
	Time        time.Time
	CreatedAt   time.Time
	Operation   string
	Class       string
	Severity    string
	ResultType  string
	ResultSig   string
	HTTPStatus  int
	Correlation string
	RequestURI  string
	CallerKey   string
	Caller      auditlog.Caller // Name is not stored
	Suppressed  bool
	AllowedBy   string // the allow rule's identity when suppressed
}

const alertColumns = "id, incident_id, event_key, decoy_id, decoy_key, vault_id, vault_name, token, token_type, object_type, " +
	"time, created_at, operation, class, severity, result_type, result_signature, http_status, correlation_id, request_uri, " +
	"caller_key, caller_object_id, caller_upn, caller_app_id, caller_tenant_id, caller_ip, client_info, suppressed, allowed_by"

func scanAlert(sc scanner) (Alert, error) {
	var a Alert
	var t, created int64
	var suppressed int
	c := &a.Caller
	err := sc.Scan(&a.ID, &a.IncidentID, &a.EventKey, &a.DecoyID, &a.DecoyKey, &a.VaultID, &a.VaultName, &a.Token,
		&a.TokenType, &a.ObjectType, &t, &created, &a.Operation, &a.Class, &a.Severity, &a.ResultType, &a.ResultSig,
		&a.HTTPStatus, &a.Correlation, &a.RequestURI, &a.CallerKey, &c.ObjectID, &c.UPN, &c.AppID, &c.TenantID, &c.IP,
		&c.ClientInfo, &suppressed, &a.AllowedBy)
	a.Time, a.CreatedAt, a.Suppressed = fromMicros(t), fromMicros(created), suppressed != 0
	return a, err
}

// InsertAlert stores a and fills its ID. It returns false, and stores
// nothing, when the same event was already recorded against the same decoy.
func (t *Tx) InsertAlert(ctx context.Context, a *Alert) (bool, error) {
	suppressed := 0
	if a.Suppressed {
		suppressed = 1
	}
	c := a.Caller
	err := t.tx.QueryRowContext(ctx, "INSERT INTO alerts ("+alertColumns[len("id, "):]+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22,
		$23, $24, $25, $26, $27, $28) ON CONFLICT (event_key, decoy_key) DO NOTHING RETURNING id`,
		a.IncidentID, a.EventKey, a.DecoyID, a.DecoyKey, a.VaultID, strings.ToLower(a.VaultName), a.Token, a.TokenType,
		a.ObjectType, micros(a.Time), micros(a.CreatedAt), a.Operation, a.Class, a.Severity, a.ResultType, a.ResultSig,
		a.HTTPStatus, a.Correlation, a.RequestURI, a.CallerKey, c.ObjectID, c.UPN, c.AppID, c.TenantID, c.IP,
		c.ClientInfo, suppressed, a.AllowedBy).Scan(&a.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: unable to store alert: %w", err)
	}
	if a.IncidentID != 0 {
		if err := t.tallyAlert(ctx, a); err != nil {
			return false, err
		}
	}
	return true, nil
}

// tallyAlert adds a to its incident's tallies (see migration 0009), which
// IncidentCharts reads instead of the alerts. The CASEs keep the greatest
// value as MAX over the alerts would, in the database's own collation.
func (t *Tx) tallyAlert(ctx context.Context, a *Alert) error {
	if _, err := t.tx.ExecContext(ctx, `INSERT INTO incident_operations (incident_id, operation, class, alerts) VALUES ($1, $2, $3, 1)
		ON CONFLICT (incident_id, operation) DO UPDATE SET alerts = incident_operations.alerts + 1,
		class = CASE WHEN excluded.class > incident_operations.class THEN excluded.class ELSE incident_operations.class END`,
		a.IncidentID, a.Operation, a.Class); err != nil {
		return fmt.Errorf("store: unable to tally alert: %w", err)
	}
	label := cmp.Or(a.Caller.UPN, a.Caller.AppID, a.Caller.IP)
	if _, err := t.tx.ExecContext(ctx, `INSERT INTO incident_callers (incident_id, caller_key, label) VALUES ($1, $2, $3)
		ON CONFLICT (incident_id, caller_key) DO UPDATE
		SET label = CASE WHEN excluded.label > incident_callers.label THEN excluded.label ELSE incident_callers.label END`,
		a.IncidentID, a.CallerKey, label); err != nil {
		return fmt.Errorf("store: unable to tally alert: %w", err)
	}
	return nil
}

// AlertFilter selects alerts, oldest first. Zero fields do not filter.
type AlertFilter struct {
	IncidentID int64
	// FromID and ToID bound alert ids, both inclusive (0: open).
	FromID, ToID int64
	Suppressed   *bool  // only suppressed (true) or raised (false) hits
	Vault        string // vault name, any case
	AfterID      int64  // paging
	Limit        int    // 0: 1000
}

func (f AlertFilter) where(p *params) string {
	var where []string
	if f.IncidentID > 0 {
		where = append(where, "incident_id = "+p.add(f.IncidentID))
	}
	if f.FromID > 0 {
		where = append(where, "id >= "+p.add(f.FromID))
	}
	if f.ToID > 0 {
		where = append(where, "id <= "+p.add(f.ToID))
	}
	if f.AfterID > 0 {
		where = append(where, "id > "+p.add(f.AfterID))
	}
	if f.Suppressed != nil {
		v := 0
		if *f.Suppressed {
			v = 1
		}
		where = append(where, "suppressed = "+p.add(v))
	}
	if f.Vault != "" {
		where = append(where, "vault_name = "+p.add(strings.ToLower(f.Vault)))
	}
	return whereClause(where)
}

// ListAlerts returns the alerts f selects in id order.
func (s *Store) ListAlerts(ctx context.Context, f AlertFilter) ([]Alert, error) {
	var p params
	if f.Limit <= 0 {
		f.Limit = 1000
	}
	q := "SELECT " + alertColumns + " FROM alerts" + f.where(&p) + " ORDER BY id LIMIT " + p.add(f.Limit)
	rows, err := s.r.QueryContext(ctx, q, p...)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list alerts: %w", err)
	}
	defer rows.Close()
	var out []Alert
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, fmt.Errorf("store: unable to list alerts: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// CountAlerts returns how many alerts f selects (its Limit and AfterID
// ignored).
func (s *Store) CountAlerts(ctx context.Context, f AlertFilter) (int, error) {
	var p params
	f.AfterID = 0
	var n int
	if err := s.r.QueryRowContext(ctx, "SELECT COUNT(*) FROM alerts"+f.where(&p), p...).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: unable to count alerts: %w", err)
	}
	return n, nil
}

// AlertExists reports whether the event with key eventKey was already
// recorded against the decoy with key decoyKey.
func (t *Tx) AlertExists(ctx context.Context, eventKey, decoyKey string) (bool, error) {
	var n int
	err := t.tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM alerts WHERE event_key = $1 AND decoy_key = $2", eventKey, decoyKey).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: unable to look up alert: %w", err)
	}
	return n > 0, nil
}
