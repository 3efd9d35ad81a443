package loganalytics

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The workspace runs the part of KQL that honeyvault's pollers and its
// exported Sentinel rules use, over its tables and watchlists; anything
// else is a SyntaxError naming what it met, never a silent mismatch.
// The query is lexed (kql_lex.go), parsed (kql_parse*.go, into
// kql_ast.go's tree) and run operator by operator (kql_tabular.go,
// kql_join.go), each operator first binding its expressions to its input's
// columns (kql_expr.go, kql_call.go, kql_funcs.go, kql_scalarops.go,
// kql_aggs.go; values in kql_value.go), so that a misspelt column fails
// even over no rows.
//
//	statements   let Name = TABULAR; let Name = SCALAR; ... TABULAR
//	sources      a table, a tabular let, _GetWatchlist('alias'),
//	             union [kind=inner|outer] T, (T | ...), ...
//	operators    where, extend, project, project-away, project-keep,
//	             project-rename, summarize AGG, ... [by ...], join
//	             [kind=innerunique|inner|leftouter|rightouter|fullouter|
//	             leftsemi|leftanti|rightsemi|rightanti] R on Col,
//	             $left.A == $right.B, union, distinct, order/sort by, top,
//	             take/limit, count
//	aggregations count countif dcount sum avg min max make_set make_list
//	             arg_max arg_min take_any
//	scalar ops   and or == != =~ !~ < <= > >= + - * / % has contains
//	             startswith endswith hasprefix hassuffix (! and _cs forms)
//	             in in~ !in !in~ has_any has_all between matches regex
//	functions    tostring toint tolong toreal todouble tobool todatetime
//	             todynamic parse_json tolower toupper strlen substring
//	             strcat split trim trim_start trim_end extract
//	             replace_string indexof url_decode parse_url coalesce iff
//	             iif case isempty isnotempty isnull isnotnull not
//	             array_length bin floor column_ifexists ingestion_time
//	             now ago
//	literals     "s" 's' @"verbatim" 42 1.5 5m 1h true false
//	             datetime(...) timespan(...) dynamic([...])
//
// The request's timespan (ISO 8601 "start/end", "start/duration" or a
// duration back from now) filters every table's TimeGenerated, as the
// service does; watchlists are not filtered.

// queryError is a query the emulator cannot run.
type queryError struct{ msg string }

func (q *queryError) Error() string { return "loganalytics: query: " + q.msg }

func qerr(format string, args ...any) error { return &queryError{fmt.Sprintf(format, args...)} }

var isoDurRE = regexp.MustCompile(`^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$`)

// timeBound is one side of the request's timespan: TimeGenerated >= from
// (upper false) or < to (upper true).
type timeBound struct {
	at    time.Time
	upper bool
}

// timespanBounds turns the request's ISO 8601 timespan into a
// TimeGenerated range.
func (w *Workspace) timespanBounds(ts string) ([]timeBound, error) {
	if ts == "" {
		return nil, nil
	}
	parseDur := func(s string) (time.Duration, bool) {
		m := isoDurRE.FindStringSubmatch(s)
		if m == nil || s == "P" || s == "PT" {
			return 0, false
		}
		var d time.Duration
		for i, unit := range []time.Duration{24 * time.Hour, time.Hour, time.Minute} {
			if m[i+1] != "" {
				n, _ := strconv.Atoi(m[i+1])
				d += time.Duration(n) * unit
			}
		}
		if m[4] != "" {
			f, _ := strconv.ParseFloat(m[4], 64)
			d += time.Duration(f * float64(time.Second))
		}
		return d, true
	}
	mk := func(op string, t time.Time) timeBound { return timeBound{at: t, upper: op == "<"} }
	if start, end, ok := strings.Cut(ts, "/"); ok {
		from, err := time.Parse(time.RFC3339Nano, start)
		if err != nil {
			return nil, qerr("bad timespan %q", ts)
		}
		if to, err := time.Parse(time.RFC3339Nano, end); err == nil {
			return []timeBound{mk(">=", from), mk("<", to)}, nil
		}
		if d, ok := parseDur(end); ok {
			return []timeBound{mk(">=", from), mk("<", from.Add(d))}, nil
		}
		return nil, qerr("bad timespan %q", ts)
	}
	if d, ok := parseDur(ts); ok {
		return []timeBound{mk(">=", w.e.Now().Add(-d))}, nil
	}
	return nil, qerr("bad timespan %q", ts)
}

// query runs q over the workspace's rows and watchlists.
func (w *Workspace) query(q, timespan string) (laTable, error) {
	bounds, err := w.timespanBounds(timespan)
	if err != nil {
		return laTable{}, err
	}
	stmts, err := parseQuery(q, w.isTable)
	if err != nil {
		return laTable{}, err
	}
	r := &run{w: w, now: w.e.Now().UTC(), timespan: bounds, tables: map[string]*table{}, scalars: map[string]bound{}}
	t, err := r.exec(stmts)
	if err != nil {
		return laTable{}, err
	}
	out := laTable{Name: "PrimaryResult", Columns: t.cols, Rows: make([][]any, len(t.rows))}
	for i, rw := range t.rows {
		vals := make([]any, len(t.cols))
		for j, c := range t.cols {
			vals[j] = wire(c.Type, rw.vals[j])
		}
		out.Rows[i] = vals
	}
	return out, nil
}

// isTable reports whether the workspace has a table of that name.
func (w *Workspace) isTable(name string) bool {
	_, ok := w.columns(name)
	return ok
}

// snapshot reads a table's rows within the request's timespan.
func (w *Workspace) snapshot(name string, bounds []timeBound) (*table, error) {
	cols, ok := w.columns(name)
	if !ok {
		return nil, qerr("unknown table %q (the emulator has AzureDiagnostics, AZKVAuditLogs, AzureActivity and the custom tables of data collection rules)", name)
	}
	tg := -1
	for i, c := range cols {
		if c.Name == "TimeGenerated" {
			tg = i
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	t := &table{cols: cols}
rows:
	for _, lr := range w.tables[name] {
		vals := make([]any, len(cols))
		for i, c := range cols {
			vals[i] = fromStored(c.Type, lr.cols[c.Name])
		}
		for _, b := range bounds {
			if tg < 0 {
				break // a table without TimeGenerated is not filtered
			}
			at, ok := vals[tg].(time.Time)
			if !ok || (b.upper && !at.Before(b.at)) || (!b.upper && at.Before(b.at)) {
				continue rows
			}
		}
		t.rows = append(t.rows, row{vals: vals, ingested: lr.ingested})
	}
	return t, nil
}
