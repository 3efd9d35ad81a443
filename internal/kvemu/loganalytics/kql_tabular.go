package loganalytics

import (
	"path"
	"slices"
	"strconv"
	"strings"
)

// exec runs a parsed query: the lets in order, then the last statement.
func (r *run) exec(stmts []statement) (*table, error) {
	for _, st := range stmts[:len(stmts)-1] {
		if st.tab != nil {
			t, err := execPipeline(st.tab, r)
			if err != nil {
				return nil, err
			}
			delete(r.scalars, st.let)
			r.tables[st.let] = t
			continue
		}
		b, err := bindExpr(st.scalar, scope{run: r})
		if err != nil {
			return nil, err
		}
		v := b.eval(&row{})
		delete(r.tables, st.let)
		r.scalars[st.let] = constant(b.typ, v)
	}
	return execPipeline(stmts[len(stmts)-1].tab, r)
}

// maxRows bounds every intermediate result, as Log Analytics bounds a
// query's memory: a join or union that would grow past it is refused
// rather than left to exhaust the emulator. Log Analytics returns at most
// 500,000 rows. A variable so that tests can lower it.
var maxRows = 500_000

func tooManyRows() error { return qerr("the query makes more than %d rows: narrow it", maxRows) }

func execPipeline(p *pipeline, r *run) (*table, error) {
	t, err := execSource(p.src, r)
	if err != nil {
		return nil, err
	}
	for _, op := range p.ops {
		if t, err = applyOp(t, op, r); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func execSource(s source, r *run) (*table, error) {
	switch x := s.(type) {
	case tableSrc:
		if t, ok := r.tables[x.name]; ok {
			return t, nil
		}
		return r.w.snapshot(x.name, r.timespan)
	case watchlistSrc:
		return r.w.watchlistTable(x.alias)
	case unionSrc:
		return union(nil, x, r)
	case pipeSrc:
		return execPipeline(x.p, r)
	}
	return nil, qerr("unsupported source")
}

func applyOp(t *table, op tabOp, r *run) (*table, error) {
	sc := scope{run: r, cols: t.cols}
	switch x := op.(type) {
	case whereOp:
		b, err := bindExpr(x.e, sc)
		if err != nil {
			return nil, err
		}
		if b.typ != "bool" && b.typ != "dynamic" {
			return nil, qerr("where wants a bool predicate, not a %s", b.typ)
		}
		out := &table{cols: t.cols}
		for i := range t.rows {
			if truthy(b.eval(&t.rows[i])) {
				out.rows = append(out.rows, t.rows[i])
			}
		}
		return out, nil
	case extendOp:
		return extend(t, x.items, r)
	case projectOp:
		return project(t, x.items, r)
	case projectAwayOp, projectKeepOp:
		return projectNames(t, op)
	case projectRenameOp:
		return projectRename(t, x.pairs)
	case summarizeOp:
		return summarize(t, x, r)
	case joinOp:
		return join(t, x, r)
	case unionOp:
		return union(t, x.u, r)
	case distinctOp:
		if !x.all {
			var err error
			if t, err = project(t, x.items, r); err != nil {
				return nil, err
			}
		}
		out := &table{cols: t.cols}
		seen := map[string]bool{}
		for _, rw := range t.rows {
			k := rowKey(rw.vals)
			if !seen[k] {
				seen[k] = true
				out.rows = append(out.rows, row{vals: rw.vals})
			}
		}
		return out, nil
	case takeOp:
		return &table{cols: t.cols, rows: t.rows[:min(x.n, len(t.rows))]}, nil
	case orderOp:
		return order(t, x.keys, r)
	case topOp:
		t, err := order(t, []orderKey{x.key}, r)
		if err != nil {
			return nil, err
		}
		return &table{cols: t.cols, rows: t.rows[:min(x.n, len(t.rows))]}, nil
	case countOp:
		return &table{cols: []Column{{Name: "Count", Type: "long"}}, rows: []row{{vals: []any{int64(len(t.rows))}}}}, nil
	}
	return nil, qerr("unsupported operator %s", op.opName())
}

func rowKey(vals []any) string {
	var b strings.Builder
	for _, v := range vals {
		c := canon(v)
		b.WriteString(strconv.Itoa(len(c)))
		b.WriteByte(':')
		b.WriteString(c)
	}
	return b.String()
}

// autoName names an unnamed column as KQL does: a column keeps its name,
// anything else is Column1, Column2, ... (the first free one).
func autoName(a assign, cols []Column) string {
	if a.name != "" {
		return a.name
	}
	switch e := a.e.(type) {
	case *nameExpr:
		return e.name
	case *memberExpr: // Props.k is Props_k
		if base := autoName(assign{e: e.x}, nil); !strings.HasPrefix(base, "Column") {
			return base + "_" + e.key
		}
	case *callExpr:
		if (e.name == "bin" || e.name == "floor") && len(e.args) > 0 {
			if n, ok := e.args[0].(*nameExpr); ok {
				return n.name
			}
		}
	}
	for i := 1; ; i++ {
		name := "Column" + strconv.Itoa(i)
		if !slices.ContainsFunc(cols, func(c Column) bool { return c.Name == name }) {
			return name
		}
	}
}

// extend adds columns, or replaces those of the same name in place; each
// item sees the ones before it.
func extend(t *table, items []assign, r *run) (*table, error) {
	cols := slices.Clone(t.cols)
	type step struct {
		b   bound
		idx int
	}
	var steps []step
	for _, a := range items {
		b, err := bindExpr(a.e, scope{run: r, cols: cols})
		if err != nil {
			return nil, err
		}
		name := autoName(a, cols)
		idx := slices.IndexFunc(cols, func(c Column) bool { return c.Name == name })
		if idx < 0 {
			idx = len(cols)
			cols = append(cols, Column{Name: name})
		}
		cols[idx].Type = b.typ
		steps = append(steps, step{b, idx})
	}
	out := &table{cols: cols, rows: make([]row, len(t.rows))}
	for i, rw := range t.rows {
		vals := make([]any, len(cols))
		copy(vals, rw.vals)
		nr := row{vals: vals, ingested: rw.ingested}
		for _, s := range steps {
			vals[s.idx] = s.b.eval(&nr)
		}
		out.rows[i] = nr
	}
	return out, nil
}

// project computes the listed columns, each from the input row.
func project(t *table, items []assign, r *run) (*table, error) {
	sc := scope{run: r, cols: t.cols}
	var cols []Column
	var binds []bound
	for _, a := range items {
		b, err := bindExpr(a.e, sc)
		if err != nil {
			return nil, err
		}
		name := autoName(a, cols)
		if slices.ContainsFunc(cols, func(c Column) bool { return c.Name == name }) {
			return nil, qerr("project: column %s appears twice", name)
		}
		cols = append(cols, Column{Name: name, Type: b.typ})
		binds = append(binds, b)
	}
	out := &table{cols: cols, rows: make([]row, len(t.rows))}
	for i := range t.rows {
		vals := make([]any, len(binds))
		for j, b := range binds {
			vals[j] = b.eval(&t.rows[i])
		}
		out.rows[i] = row{vals: vals, ingested: t.rows[i].ingested}
	}
	return out, nil
}

// projectNames is project-away and project-keep; a name may end in *.
func projectNames(t *table, op tabOp) (*table, error) {
	var names []string
	away := false
	switch x := op.(type) {
	case projectAwayOp:
		names, away = x.names, true
	case projectKeepOp:
		names = x.names
	}
	match := make([]bool, len(t.cols))
	for _, n := range names {
		found := false
		for i, c := range t.cols {
			if ok, _ := path.Match(n, c.Name); ok {
				match[i], found = true, true
			}
		}
		if !found && !strings.HasSuffix(n, "*") {
			return nil, qerr("%s: no column %s", op.opName(), n)
		}
	}
	var keep []int
	for i := range t.cols {
		if match[i] != away {
			keep = append(keep, i)
		}
	}
	return pick(t, keep), nil
}

// pick keeps the columns at idx, in that order.
func pick(t *table, idx []int) *table {
	out := &table{rows: make([]row, len(t.rows))}
	for _, i := range idx {
		out.cols = append(out.cols, t.cols[i])
	}
	for k, rw := range t.rows {
		vals := make([]any, len(idx))
		for j, i := range idx {
			vals[j] = rw.vals[i]
		}
		out.rows[k] = row{vals: vals, ingested: rw.ingested}
	}
	return out
}

func projectRename(t *table, pairs [][2]string) (*table, error) {
	cols := slices.Clone(t.cols)
	for _, p := range pairs {
		i := slices.IndexFunc(cols, func(c Column) bool { return c.Name == p[1] })
		if i < 0 {
			return nil, qerr("project-rename: no column %s", p[1])
		}
		if j := slices.IndexFunc(cols, func(c Column) bool { return c.Name == p[0] }); j >= 0 && j != i {
			return nil, qerr("project-rename: column %s exists already", p[0])
		}
		cols[i].Name = p[0]
	}
	return &table{cols: cols, rows: t.rows}, nil
}

// summarize groups rows by the by-expressions (in first-seen order) and
// aggregates each group; the by-columns come first. Without by there is
// one row even for no input.
func summarize(t *table, s summarizeOp, r *run) (*table, error) {
	sc := scope{run: r, cols: t.cols}
	var cols []Column
	add := func(c Column) error {
		if slices.ContainsFunc(cols, func(x Column) bool { return x.Name == c.Name }) {
			return qerr("summarize: column %s appears twice", c.Name)
		}
		cols = append(cols, c)
		return nil
	}
	var by []bound
	for _, a := range s.by {
		b, err := bindExpr(a.e, sc)
		if err != nil {
			return nil, err
		}
		if err := add(Column{Name: autoName(a, cols), Type: b.typ}); err != nil {
			return nil, err
		}
		by = append(by, b)
	}
	var aggs []boundAgg
	for _, a := range s.aggs {
		ag, err := bindAgg(a, sc, cols[:len(by)])
		if err != nil {
			return nil, err
		}
		for _, c := range ag.cols {
			if err := add(c); err != nil {
				return nil, err
			}
		}
		aggs = append(aggs, ag)
	}
	type group struct {
		key    []any
		states []aggState
	}
	newGroup := func(key []any) *group {
		g := &group{key: key}
		for _, a := range aggs {
			g.states = append(g.states, a.newState())
		}
		return g
	}
	var groups []*group
	byKey := map[string]*group{}
	if len(by) == 0 {
		groups = append(groups, newGroup(nil))
	}
	for i := range t.rows {
		var g *group
		if len(by) == 0 {
			g = groups[0]
		} else {
			key := make([]any, len(by))
			for j, b := range by {
				key[j] = b.eval(&t.rows[i])
			}
			k := rowKey(key)
			if g = byKey[k]; g == nil {
				g = newGroup(key)
				byKey[k] = g
				groups = append(groups, g)
			}
		}
		for _, st := range g.states {
			st.add(&t.rows[i])
		}
	}
	out := &table{cols: cols}
	for _, g := range groups {
		vals := slices.Clone(g.key)
		for _, st := range g.states {
			vals = append(vals, st.result()...)
		}
		out.rows = append(out.rows, row{vals: vals})
	}
	return out, nil
}

// order sorts rows stably by keys.
func order(t *table, keys []orderKey, r *run) (*table, error) {
	sc := scope{run: r, cols: t.cols}
	binds := make([]bound, len(keys))
	for i, k := range keys {
		b, err := bindExpr(k.e, sc)
		if err != nil {
			return nil, err
		}
		binds[i] = b
	}
	type keyed struct {
		r    row
		vals []any
	}
	rows := make([]keyed, len(t.rows))
	for i := range t.rows {
		vals := make([]any, len(binds))
		for j, b := range binds {
			vals[j] = dyn(b.eval(&t.rows[i]))
		}
		rows[i] = keyed{t.rows[i], vals}
	}
	slices.SortStableFunc(rows, func(a, b keyed) int {
		for j, k := range keys {
			x, y := a.vals[j], b.vals[j]
			switch {
			case x == nil && y == nil:
				continue
			case x == nil || y == nil:
				if (x == nil) == k.nullsFirst {
					return -1
				}
				return 1
			}
			c, ok := compareValues(x, y)
			if !ok {
				c = strings.Compare(canon(x), canon(y))
			}
			if k.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	})
	out := &table{cols: t.cols, rows: make([]row, len(rows))}
	for i, k := range rows {
		out.rows[i] = k.r
	}
	return out, nil
}
