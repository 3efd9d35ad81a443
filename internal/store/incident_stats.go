package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
)

// IncidentCounts returns how many incidents f selects per status (new,
// active, closed), f.Status and paging ignored: the counts of a list's
// state tabs.
func (s *Store) IncidentCounts(ctx context.Context, f IncidentFilter) (map[string]int, error) {
	var p params
	rows, err := s.r.QueryContext(ctx, "SELECT status, COUNT(*) FROM incidents"+f.where(&p, false)+" GROUP BY status", p...)
	if err != nil {
		return nil, fmt.Errorf("store: unable to count incidents: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("store: unable to count incidents: %w", err)
		}
		out[st] = n
	}
	return out, rows.Err()
}

// Bucket is one bar of a chart: a label and how many.
type Bucket struct {
	Key   string
	Label string // for people, when Key is an identifier; else ""
	Class string // of an operation bucket: the operation's class
	N     int
}

// IncidentCharts are the incidents f selects counted four ways.
type IncidentCharts struct {
	ByDay       map[time.Time]int // UTC midnight of the first alert → incidents
	ByVault     []Bucket          // incidents per vault, most first
	ByCaller    []Bucket          // incidents per caller key (Label: a UPN, app id or IP seen), most first
	ByOperation []Bucket          // alerts per operation, most first
}

// chartTop bounds the bars of each ranking.
const chartTop = 10

const microsPerDay = int64(24 * time.Hour / time.Microsecond)

// IncidentCharts counts the incidents f selects (paging ignored) by day of
// first alert, vault and caller, and their alerts by operation.
func (s *Store) IncidentCharts(ctx context.Context, f IncidentFilter) (IncidentCharts, error) {
	f.BeforeID = 0
	var c IncidentCharts
	var p params
	where := f.where(&p, true)
	rows, err := s.r.QueryContext(ctx, "SELECT first_seen / "+p.add(microsPerDay)+" AS d, COUNT(*) FROM incidents"+where+" GROUP BY d", p...)
	if err != nil {
		return c, fmt.Errorf("store: unable to chart incidents: %w", err)
	}
	c.ByDay = map[time.Time]int{}
	for rows.Next() {
		var d int64
		var n int
		if err := rows.Scan(&d, &n); err != nil {
			rows.Close()
			return c, fmt.Errorf("store: unable to chart incidents: %w", err)
		}
		c.ByDay[fromMicros(d*microsPerDay)] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return c, fmt.Errorf("store: unable to chart incidents: %w", err)
	}
	p = nil
	where = f.where(&p, true)
	if c.ByVault, err = s.buckets(ctx, "SELECT vault_name, '', '', COUNT(*) AS n FROM incidents"+where+
		" GROUP BY vault_name ORDER BY n DESC, vault_name LIMIT "+p.add(chartTop), p); err != nil {
		return c, err
	}
	p = nil
	sub := "SELECT id FROM incidents" + f.where(&p, true)
	// The two charts of alerts read their incidents' tallies (see
	// tallyAlert): a row per incident and caller, or operation, where the
	// alerts are twenty or more per incident.
	if c.ByCaller, err = s.buckets(ctx, "SELECT caller_key, MAX(label), '', COUNT(*) AS n FROM incident_callers WHERE incident_id IN ("+sub+
		") GROUP BY caller_key ORDER BY n DESC, caller_key LIMIT "+p.add(chartTop), p); err != nil {
		return c, err
	}
	p = nil
	sub = "SELECT id FROM incidents" + f.where(&p, true)
	c.ByOperation, err = s.buckets(ctx, "SELECT operation, '', MAX(class), CAST(SUM(alerts) AS BIGINT) AS n FROM incident_operations WHERE "+
		s.chartIncidentColumn(f)+" IN ("+sub+") GROUP BY operation ORDER BY n DESC, operation LIMIT "+p.add(chartTop), p)
	return c, err
}

// chartIncidentColumn is incident_operations' incident_id as the chart by
// operation should match it. Left to itself SQLite probes the tallies of
// each incident the filters select and sorts them all to group them, even
// when the filters select most incidents (no filter, a range, a status):
// with no index allowed on incident_id, it reads the
// incident_operations_chart index in operation order instead and checks
// each row against the incidents, half the time at 1,000 incidents. A
// vault's incidents are few: there probing them is best.
func (s *Store) chartIncidentColumn(f IncidentFilter) string {
	if strings.TrimSpace(f.Vault) == "" {
		return s.dialect.unindexed("incident_id")
	}
	return "incident_id"
}

// buckets runs a query of (key, label, class, count) rows.
func (s *Store) buckets(ctx context.Context, q string, p params) ([]Bucket, error) {
	rows, err := s.r.QueryContext(ctx, q, p...)
	if err != nil {
		return nil, fmt.Errorf("store: unable to chart incidents: %w", err)
	}
	defer rows.Close()
	var out []Bucket
	for rows.Next() {
		var b Bucket
		if err := rows.Scan(&b.Key, &b.Label, &b.Class, &b.N); err != nil {
			return nil, fmt.Errorf("store: unable to chart incidents: %w", err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// IncidentDigest is what a list row shows of an incident's alerts.
type IncidentDigest struct {
	Operations []Bucket        // per operation: its class and alert count, most first
	Decoys     []string        // decoy names, sorted
	Caller     auditlog.Caller // of its first alert (Name, ClientInfo not filled)
}

// IncidentDigests summarises the alerts of incidents ids (a page of a list).
func (s *Store) IncidentDigests(ctx context.Context, ids []int64) (map[int64]*IncidentDigest, error) {
	out := map[int64]*IncidentDigest{}
	if len(ids) == 0 {
		return out, nil
	}
	var p params
	in := list(&p, ids)
	rows, err := s.r.QueryContext(ctx, "SELECT incident_id, operation, class, token, COUNT(*), MIN(id) FROM alerts WHERE incident_id IN ("+in+
		") GROUP BY incident_id, operation, class, token ORDER BY incident_id, COUNT(*) DESC, operation, token", p...)
	if err != nil {
		return nil, fmt.Errorf("store: unable to summarise incidents: %w", err)
	}
	firsts := map[int64]int64{} // incident → its first alert's id
	for rows.Next() {
		var id, first int64
		var op, class, token string
		var n int
		if err := rows.Scan(&id, &op, &class, &token, &n, &first); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: unable to summarise incidents: %w", err)
		}
		d := out[id]
		if d == nil {
			d = &IncidentDigest{}
			out[id] = d
		}
		d.addOperation(op, class, n)
		d.addDecoy(token)
		if f, ok := firsts[id]; !ok || first < f {
			firsts[id] = first
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unable to summarise incidents: %w", err)
	}
	for _, d := range out {
		slices.SortStableFunc(d.Operations, func(a, b Bucket) int { return cmp.Compare(b.N, a.N) })
		slices.Sort(d.Decoys)
	}
	p = nil
	alertIDs := make([]int64, 0, len(firsts))
	for _, a := range firsts {
		alertIDs = append(alertIDs, a)
	}
	if len(alertIDs) == 0 {
		return out, nil
	}
	rows, err = s.r.QueryContext(ctx, "SELECT incident_id, caller_object_id, caller_upn, caller_app_id, caller_tenant_id, caller_ip FROM alerts WHERE id IN ("+list(&p, alertIDs)+")", p...)
	if err != nil {
		return nil, fmt.Errorf("store: unable to summarise incidents: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var c auditlog.Caller
		if err := rows.Scan(&id, &c.ObjectID, &c.UPN, &c.AppID, &c.TenantID, &c.IP); err != nil {
			return nil, fmt.Errorf("store: unable to summarise incidents: %w", err)
		}
		out[id].Caller = c
	}
	return out, rows.Err()
}

func (d *IncidentDigest) addOperation(op, class string, n int) {
	for i := range d.Operations {
		if d.Operations[i].Key == op {
			d.Operations[i].N += n
			return
		}
	}
	d.Operations = append(d.Operations, Bucket{Key: op, Class: class, N: n})
}

func (d *IncidentDigest) addDecoy(name string) {
	for _, x := range d.Decoys {
		if x == name {
			return
		}
	}
	d.Decoys = append(d.Decoys, name)
}
