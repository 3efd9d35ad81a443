package loganalytics

import (
	"regexp"
	"strings"
	"time"
)

// row is one row while a query runs; ingested is its ingestion time, zero
// for rows a summarize or a join made (ingestion_time() is null there).
type row struct {
	vals     []any
	ingested time.Time
}

// table is an intermediate result.
type table struct {
	cols []Column
	rows []row
}

// run is what one query execution shares: the workspace, the clock read
// once (now() and ago() agree all through a query) and the lets so far.
type run struct {
	w        *Workspace
	now      time.Time
	timespan []timeBound
	tables   map[string]*table
	scalars  map[string]bound
}

// scope is what an expression can see: its input's columns.
type scope struct {
	run  *run
	cols []Column
}

func (sc scope) col(name string) int {
	for i, c := range sc.cols {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// bound is an expression bound to a scope: its type and how to compute it
// for a row.
type bound struct {
	typ   string
	eval  func(r *row) any
	konst bool // a constant: eval ignores the row
}

func constant(typ string, v any) bound {
	return bound{typ: typ, eval: func(*row) any { return v }, konst: true}
}

// bindExpr checks e against sc (columns exist, functions are known and
// called right) and returns how to compute it.
func bindExpr(e expr, sc scope) (bound, error) {
	switch x := e.(type) {
	case *litExpr:
		return constant(x.typ, x.v), nil
	case *nameExpr:
		if i := sc.col(x.name); i >= 0 {
			return bound{typ: sc.cols[i].Type, eval: func(r *row) any { return r.vals[i] }}, nil
		}
		if b, ok := sc.run.scalars[x.name]; ok {
			return b, nil
		}
		if _, ok := sc.run.tables[x.name]; ok {
			return bound{}, qerr("%s is tabular; it cannot stand for a value at %d", x.name, x.pos)
		}
		return bound{}, qerr("unknown column or name %q at %d", x.name, x.pos)
	case *callExpr:
		return bindCall(x, sc)
	case *binExpr:
		return bindBinary(x, sc)
	case *inExpr:
		return bindIn(x, sc)
	case *betweenExpr:
		l, err := bindExpr(x.l, sc)
		if err != nil {
			return bound{}, err
		}
		lo, err := bindExpr(x.lo, sc)
		if err != nil {
			return bound{}, err
		}
		hi, err := bindExpr(x.hi, sc)
		if err != nil {
			return bound{}, err
		}
		return bound{typ: "bool", eval: func(r *row) any {
			v := l.eval(r)
			c1, ok1 := compareValues(v, lo.eval(r))
			c2, ok2 := compareValues(v, hi.eval(r))
			if !ok1 || !ok2 {
				return nil
			}
			return (c1 >= 0 && c2 <= 0) != x.not
		}}, nil
	case *memberExpr:
		in, err := bindExpr(x.x, sc)
		if err != nil {
			return bound{}, err
		}
		return bound{typ: "dynamic", eval: func(r *row) any { return member(in.eval(r), x.key) }}, nil
	case *indexExpr:
		in, err := bindExpr(x.x, sc)
		if err != nil {
			return bound{}, err
		}
		idx, err := bindExpr(x.idx, sc)
		if err != nil {
			return bound{}, err
		}
		return bound{typ: "dynamic", eval: func(r *row) any { return index(in.eval(r), idx.eval(r)) }}, nil
	case *negExpr:
		in, err := bindExpr(x.x, sc)
		if err != nil {
			return bound{}, err
		}
		return bound{typ: in.typ, eval: func(r *row) any { return arith("-", int64(0), in.eval(r)) }}, nil
	}
	return bound{}, qerr("unsupported expression at %d", e.exprPos())
}

func member(v any, key string) any {
	if m, ok := dyn(v).(map[string]any); ok {
		return m[key]
	}
	return nil
}

func index(v, i any) any {
	switch x := dyn(v).(type) {
	case []any:
		n, ok := number(i).(int64)
		if !ok {
			return nil
		}
		if n < 0 {
			n += int64(len(x))
		}
		if n < 0 || n >= int64(len(x)) {
			return nil
		}
		return x[n]
	case map[string]any:
		if s, ok := i.(string); ok {
			return x[s]
		}
	}
	return nil
}

func bindBinary(x *binExpr, sc scope) (bound, error) {
	l, err := bindExpr(x.l, sc)
	if err != nil {
		return bound{}, err
	}
	if x.op == "matches regex" {
		re, err := constRegexp(x.r, sc)
		if err != nil {
			return bound{}, err
		}
		return bound{typ: "bool", eval: func(r *row) any { return re.MatchString(toStr(l.eval(r))) }}, nil
	}
	rb, err := bindExpr(x.r, sc)
	if err != nil {
		return bound{}, err
	}
	op := x.op
	switch {
	case op == "and":
		return bound{typ: "bool", eval: func(r *row) any { return truthy(l.eval(r)) && truthy(rb.eval(r)) }}, nil
	case op == "or":
		return bound{typ: "bool", eval: func(r *row) any { return truthy(l.eval(r)) || truthy(rb.eval(r)) }}, nil
	case compareOps[op]:
		if !comparable(op, l.typ, rb.typ) {
			return bound{}, qerr("%s at %d compares a %s with a %s", op, x.pos, l.typ, rb.typ)
		}
		return bound{typ: "bool", eval: func(r *row) any { return compare(op, l.eval(r), rb.eval(r)) }}, nil
	case stringOps[op]:
		return bound{typ: "bool", eval: func(r *row) any { return stringOp(op, textOf(l.eval(r)), textOf(rb.eval(r))) }}, nil
	}
	typ := arithType(op, l.typ, rb.typ)
	return bound{typ: typ, eval: func(r *row) any { return arith(op, l.eval(r), rb.eval(r)) }}, nil
}

// bindIn binds in, in~, !in, !in~, has_any and has_all. A dynamic array
// in the list stands for its items; (T) for T's first column.
func bindIn(x *inExpr, sc scope) (bound, error) {
	l, err := bindExpr(x.l, sc)
	if err != nil {
		return bound{}, err
	}
	var items []bound
	var fromTable []any
	if x.tab != nil {
		t, err := execPipeline(x.tab, sc.run)
		if err != nil {
			return bound{}, err
		}
		if len(t.cols) == 0 {
			return bound{}, qerr("in (...) at %d: the tabular expression has no column", x.pos)
		}
		for _, r := range t.rows {
			fromTable = append(fromTable, r.vals[0])
		}
	}
	for _, e := range x.list {
		b, err := bindExpr(e, sc)
		if err != nil {
			return bound{}, err
		}
		items = append(items, b)
	}
	op := x.op
	return bound{typ: "bool", eval: func(r *row) any {
		list := fromTable
		if items != nil {
			list = make([]any, 0, len(items))
			for _, it := range items {
				switch v := dyn(it.eval(r)).(type) {
				case []any:
					list = append(list, v...)
				default:
					list = append(list, v)
				}
			}
		}
		return inList(op, l.eval(r), list)
	}}, nil
}

// inList is v in list for the list operators: in and !in compare
// exactly, in~ and !in~ ignoring case, has_any and has_all look for the
// items as terms of v's text.
func inList(op string, v any, list []any) bool {
	switch op {
	case "has_any", "has_all":
		s := strings.ToLower(textOf(v))
		for _, it := range list {
			has := hasTerm(s, strings.ToLower(textOf(it)))
			if has && op == "has_any" {
				return true
			}
			if !has && op == "has_all" {
				return false
			}
		}
		return op == "has_all"
	}
	neg := strings.HasPrefix(op, "!")
	if v = dyn(v); v == nil {
		return neg // null is in no list
	}
	fold := strings.HasSuffix(op, "~")
	found := false
	for _, it := range list {
		if fold {
			found = strings.EqualFold(textOf(v), textOf(it))
		} else {
			found = canon(v) == canon(it)
		}
		if found {
			break
		}
	}
	return found != neg
}

// constString reads e as a constant string: a literal or a scalar let.
func constString(e expr, sc scope) (string, bool) {
	b, err := bindExpr(e, sc)
	if err != nil || !b.konst {
		return "", false
	}
	s, ok := b.eval(nil).(string)
	return s, ok
}

// constRegexp compiles a constant regular expression (KQL's are RE2, as
// Go's).
func constRegexp(e expr, sc scope) (*regexp.Regexp, error) {
	s, ok := constString(e, sc)
	if !ok {
		return nil, qerr("want a constant string regular expression at %d", e.exprPos())
	}
	re, err := regexp.Compile(s)
	if err != nil {
		return nil, qerr("bad regular expression %q at %d", s, e.exprPos())
	}
	return re, nil
}
