package loganalytics

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/kvemu"
)

// The workspace understands a small subset of KQL, enough for pollers and
// tests (anything else is a SyntaxError, never a silent mismatch):
//
//	Table
//	| where COND [and COND]...      COND: LHS OP VALUE
//	                                  LHS: a column, column_ifexists("Col", "") or ingestion_time()
//	                                  OP: == != =~ !~ > >= < <= has contains startswith endswith
//	                                      !has !contains !endswith
//	                                  VALUE: "text" 'text' datetime(RFC3339) ago(5m|2h|1d|30s) number true false
//	                                  or LHS LISTOP LIST: in in~ !in !in~ has_any !has_any
//	                                  LIST: ("a", "b") or dynamic(["a", "b"])
//	| extend Name = ingestion_time()
//	| project Col, Col...
//	| order by Col [asc|desc]       (also sort by; default desc, as in KQL)
//	| take N                        (also limit)
//
// The request's timespan (ISO 8601 "start/end", "start/duration" or a
// duration back from now) filters TimeGenerated, as the service does.

// queryError is a query the subset cannot run.
type queryError struct{ msg string }

func (q *queryError) Error() string { return "loganalytics: query: " + q.msg }

func qerr(format string, args ...any) error { return &queryError{fmt.Sprintf(format, args...)} }

// splitTop splits s on sep outside quotes.
func splitTop(s string, sep func(s string, i int) int) []string {
	var parts []string
	var quote byte
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		default:
			if n := sep(s, i); n > 0 {
				parts = append(parts, s[start:i])
				start = i + n
				i += n - 1
			}
		}
	}
	return append(parts, s[start:])
}

var andRE = regexp.MustCompile(`(?i)^\s+and\s+`)

func splitPipes(s string) []string {
	return splitTop(s, func(s string, i int) int {
		if s[i] == '|' {
			return 1
		}
		return 0
	})
}

func splitAnd(s string) []string {
	return splitTop(s, func(s string, i int) int {
		if m := andRE.FindStringIndex(s[i:]); m != nil && m[0] == 0 {
			return m[1]
		}
		return 0
	})
}

var (
	condRE     = regexp.MustCompile(`(?i)^\s*([A-Za-z_][A-Za-z0-9_]*(?:\(\))?|column_ifexists\(\s*"[A-Za-z_][A-Za-z0-9_]*"\s*,\s*""\s*\))\s*(==|!=|=~|!~|>=|<=|>|<|!in~|!in\b|\bin~|\bin\b|!has_any\b|\bhas_any\b|!has\b|\bhas\b|!contains\b|\bcontains\b|\bstartswith\b|!endswith\b|\bendswith\b)\s*(.+?)\s*$`)
	extendRE   = regexp.MustCompile(`(?i)^extend\s+([A-Za-z_][A-Za-z0-9_]*)\s*=\s*ingestion_time\(\)\s*$`)
	orderRE    = regexp.MustCompile(`(?i)^(?:order|sort)\s+by\s+([A-Za-z_][A-Za-z0-9_]*)(?:\s+(asc|desc))?\s*$`)
	takeRE     = regexp.MustCompile(`(?i)^(?:take|limit)\s+(\d+)\s*$`)
	projectRE  = regexp.MustCompile(`(?i)^project\s+(.+)$`)
	agoRE      = regexp.MustCompile(`(?i)^ago\(\s*(\d+)\s*(d|h|m|s|ms)\s*\)$`)
	ifExistsRE = regexp.MustCompile(`(?i)^column_ifexists\(\s*"([A-Za-z_][A-Za-z0-9_]*)"`)
	listRE     = regexp.MustCompile(`(?i)^(?:dynamic\(\s*\[(.*)\]\s*\)|\((.*)\))$`)
	dtRE       = regexp.MustCompile(`(?i)^datetime\(\s*([^)]+?)\s*\)$`)
	isoDurRE   = regexp.MustCompile(`^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$`)
)

// value is a parsed literal: a time, a number, a bool, a string or a list
// of strings (the right side of in, in~ and has_any).
type value struct {
	t    *time.Time
	n    *float64
	b    *bool
	s    string
	list []string
	kind byte // 't', 'n', 'b', 's', 'l'
}

// listOps take a list of strings on their right.
var listOps = map[string]bool{"in": true, "in~": true, "!in": true, "!in~": true, "has_any": true, "!has_any": true}

// parseList reads ("a", 'b') or dynamic(["a", "b"]): quoted strings only.
func parseList(s string) (value, error) {
	m := listRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return value{}, qerr("want a list (\"a\", \"b\") or dynamic([...]), got %q", s)
	}
	if inner := strings.TrimSpace(m[2]); len(inner) > 8 && strings.EqualFold(inner[:8], "dynamic(") {
		return parseList(inner) // in~ (dynamic([...])), as KQL allows
	}
	body := m[1] + m[2]
	v := value{kind: 'l', list: []string{}}
	if strings.TrimSpace(body) == "" {
		return v, nil
	}
	for _, item := range splitTop(body, func(s string, i int) int {
		if s[i] == ',' {
			return 1
		}
		return 0
	}) {
		item = strings.TrimSpace(item)
		if len(item) < 2 || (item[0] != '"' && item[0] != '\'') || item[len(item)-1] != item[0] {
			return value{}, qerr("list item %q is not a quoted string", item)
		}
		v.list = append(v.list, item[1:len(item)-1])
	}
	return v, nil
}

func (w *Workspace) parseValue(s string) (value, error) {
	s = strings.TrimSpace(s)
	switch {
	case len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0]:
		return value{s: s[1 : len(s)-1], kind: 's'}, nil
	case agoRE.MatchString(s):
		m := agoRE.FindStringSubmatch(s)
		n, _ := strconv.Atoi(m[1])
		unit := map[string]time.Duration{"d": 24 * time.Hour, "h": time.Hour, "m": time.Minute, "s": time.Second, "ms": time.Millisecond}[strings.ToLower(m[2])]
		t := w.e.Now().Add(-time.Duration(n) * unit)
		return value{t: &t, kind: 't'}, nil
	case dtRE.MatchString(s):
		t, err := time.Parse(time.RFC3339Nano, dtRE.FindStringSubmatch(s)[1])
		if err != nil {
			return value{}, qerr("bad datetime %s", s)
		}
		return value{t: &t, kind: 't'}, nil
	case strings.EqualFold(s, "true") || strings.EqualFold(s, "false"):
		b := strings.EqualFold(s, "true")
		return value{b: &b, kind: 'b'}, nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return value{n: &f, kind: 'n'}, nil
	}
	return value{}, qerr("unsupported value %q", s)
}

// cond is one where-condition.
type cond struct {
	col string // "" for ingestion_time()
	op  string
	v   value
}

func compareOrdered(c int, op string) bool {
	switch op {
	case "==":
		return c == 0
	case "!=":
		return c != 0
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	}
	return false
}

func (c cond) match(r laRow) bool {
	var x any
	if c.col == "" {
		x = r.ingested
	} else {
		x = r.cols[c.col]
	}
	if x == nil {
		return strings.HasPrefix(c.op, "!") // a missing value is in nothing and has nothing
	}
	switch c.v.kind {
	case 'l':
		return c.matchList(fmt.Sprint(x))
	case 't':
		var t time.Time
		switch v := x.(type) {
		case time.Time:
			t = v
		case string:
			var err error
			if t, err = time.Parse(time.RFC3339Nano, v); err != nil {
				return false
			}
		default:
			return false
		}
		return compareOrdered(t.Compare(*c.v.t), c.op)
	case 'n':
		var f float64
		switch v := x.(type) {
		case float64:
			f = v
		case int:
			f = float64(v)
		case int64:
			f = float64(v)
		default:
			return false
		}
		switch {
		case f < *c.v.n:
			return compareOrdered(-1, c.op)
		case f > *c.v.n:
			return compareOrdered(1, c.op)
		}
		return compareOrdered(0, c.op)
	case 'b':
		b, ok := x.(bool)
		return ok && compareOrdered(map[bool]int{true: 0, false: 1}[b == *c.v.b], c.op)
	}
	s := fmt.Sprint(x)
	switch strings.ToLower(c.op) {
	case "==":
		return s == c.v.s
	case "!=":
		return s != c.v.s
	case "=~":
		return strings.EqualFold(s, c.v.s)
	case "!~":
		return !strings.EqualFold(s, c.v.s)
	case "has", "contains":
		return strings.Contains(strings.ToLower(s), strings.ToLower(c.v.s))
	case "startswith":
		return strings.HasPrefix(strings.ToLower(s), strings.ToLower(c.v.s))
	case "endswith", "!endswith":
		return strings.HasSuffix(strings.ToLower(s), strings.ToLower(c.v.s)) == (c.op == "endswith")
	case "!has", "!contains":
		return !strings.Contains(strings.ToLower(s), strings.ToLower(c.v.s))
	}
	return compareOrdered(strings.Compare(s, c.v.s), c.op)
}

// matchList is match for the list operators: in and !in compare exactly,
// in~ and !in~ ignoring case, has_any and !has_any look for any item
// inside s ignoring case (has is contains here, as for has above).
func (c cond) matchList(s string) bool {
	found := false
	for _, item := range c.v.list {
		switch strings.TrimPrefix(c.op, "!") {
		case "in":
			found = s == item
		case "in~":
			found = strings.EqualFold(s, item)
		case "has_any":
			found = strings.Contains(strings.ToLower(s), strings.ToLower(item))
		}
		if found {
			break
		}
	}
	return found != strings.HasPrefix(c.op, "!")
}

// timespanFilter turns the request's ISO 8601 timespan into a
// TimeGenerated range.
func (w *Workspace) timespanFilter(ts string) ([]cond, error) {
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
	mk := func(op string, t time.Time) cond {
		return cond{col: "TimeGenerated", op: op, v: value{t: &t, kind: 't'}}
	}
	if start, end, ok := strings.Cut(ts, "/"); ok {
		from, err := time.Parse(time.RFC3339Nano, start)
		if err != nil {
			return nil, qerr("bad timespan %q", ts)
		}
		if to, err := time.Parse(time.RFC3339Nano, end); err == nil {
			return []cond{mk(">=", from), mk("<", to)}, nil
		}
		if d, ok := parseDur(end); ok {
			return []cond{mk(">=", from), mk("<", from.Add(d))}, nil
		}
		return nil, qerr("bad timespan %q", ts)
	}
	if d, ok := parseDur(ts); ok {
		return []cond{mk(">=", w.e.Now().Add(-d))}, nil
	}
	return nil, qerr("bad timespan %q", ts)
}

// query runs q over the workspace's rows.
func (w *Workspace) query(q, timespan string) (laTable, error) {
	stages := splitPipes(q)
	tableName := strings.TrimSpace(stages[0])
	cols, ok := w.columns(tableName)
	if !ok {
		return laTable{}, qerr("unknown table %q (the emulator has AzureDiagnostics, AZKVAuditLogs, AzureActivity and the custom tables of data collection rules)", tableName)
	}
	conds, err := w.timespanFilter(timespan)
	if err != nil {
		return laTable{}, err
	}
	type ext struct{ name string }
	var extends []ext
	var project []string
	orderCol, orderDesc, limit := "", true, -1
	for _, st := range stages[1:] {
		st = strings.TrimSpace(st)
		switch {
		case len(st) > 6 && strings.EqualFold(st[:6], "where "):
			for _, part := range splitAnd(st[6:]) {
				m := condRE.FindStringSubmatch(part)
				if m == nil {
					return laTable{}, qerr("unsupported condition %q", strings.TrimSpace(part))
				}
				op := strings.ToLower(m[2])
				parse := w.parseValue
				if listOps[op] {
					parse = parseList
				}
				v, err := parse(m[3])
				if err != nil {
					return laTable{}, err
				}
				c := cond{col: m[1], op: op, v: v}
				switch {
				case strings.EqualFold(m[1], "ingestion_time()"):
					c.col = ""
				case ifExistsRE.MatchString(m[1]):
					// A column Log Analytics may not have yet (AzureDiagnostics
					// adds one when a record first fills it): its rows lack it.
					c.col = ifExistsRE.FindStringSubmatch(m[1])[1]
				case !slices.ContainsFunc(cols, func(col Column) bool { return col.Name == m[1] }):
					return laTable{}, qerr("unknown column %q", m[1])
				}
				conds = append(conds, c)
			}
		case extendRE.MatchString(st):
			extends = append(extends, ext{extendRE.FindStringSubmatch(st)[1]})
		case projectRE.MatchString(st):
			for _, p := range strings.Split(projectRE.FindStringSubmatch(st)[1], ",") {
				project = append(project, strings.TrimSpace(p))
			}
		case orderRE.MatchString(st):
			m := orderRE.FindStringSubmatch(st)
			orderCol, orderDesc = m[1], !strings.EqualFold(m[2], "asc")
		case takeRE.MatchString(st):
			limit, _ = strconv.Atoi(takeRE.FindStringSubmatch(st)[1])
		default:
			return laTable{}, qerr("unsupported operator %q", st)
		}
	}

	w.mu.Lock()
	var rows []laRow
	for _, r := range w.tables[tableName] {
		keep := true
		for _, c := range conds {
			if !c.match(r) {
				keep = false
				break
			}
		}
		if keep {
			rows = append(rows, r)
		}
	}
	w.mu.Unlock()

	outCols := slices.Clone(cols)
	for _, x := range extends {
		outCols = append(outCols, Column{Name: x.name, Type: "datetime"})
	}
	get := func(r laRow, name string) any {
		for _, x := range extends {
			if x.name == name {
				return r.ingested.UTC().Format(kvemu.TimeLayout)
			}
		}
		return r.cols[name]
	}
	if orderCol != "" {
		slices.SortStableFunc(rows, func(a, b laRow) int {
			c := strings.Compare(fmt.Sprint(get(a, orderCol)), fmt.Sprint(get(b, orderCol)))
			if orderDesc {
				return -c
			}
			return c
		})
	}
	if limit >= 0 && limit < len(rows) {
		rows = rows[:limit]
	}
	if project != nil {
		var pc []Column
		for _, p := range project {
			i := slices.IndexFunc(outCols, func(c Column) bool { return c.Name == p })
			if i < 0 {
				return laTable{}, qerr("unknown column %q in project", p)
			}
			pc = append(pc, outCols[i])
		}
		outCols = pc
	}
	t := laTable{Name: "PrimaryResult", Columns: outCols, Rows: make([][]any, 0, len(rows))}
	for _, r := range rows {
		vals := make([]any, len(outCols))
		for i, c := range outCols {
			vals[i] = get(r, c.Name)
		}
		t.Rows = append(t.Rows, vals)
	}
	return t, nil
}
