package loganalytics

import (
	"math"
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
		return bound{typ: "bool", eval: func(r *row) any { return compare(op, l.eval(r), rb.eval(r)) }}, nil
	case stringOps[op]:
		return bound{typ: "bool", eval: func(r *row) any { return stringOp(op, toStr(dyn(l.eval(r))), toStr(dyn(rb.eval(r)))) }}, nil
	}
	typ := arithType(op, l.typ, rb.typ)
	return bound{typ: typ, eval: func(r *row) any { return arith(op, l.eval(r), rb.eval(r)) }}, nil
}

// compare is == != =~ !~ < <= > >=; a null or a value of another type is
// equal to nothing.
func compare(op string, a, b any) any {
	switch op {
	case "=~", "!~":
		return strings.EqualFold(toStr(dyn(a)), toStr(dyn(b))) == (op == "=~")
	}
	c, ok := compareValues(a, b)
	if !ok {
		if op == "!=" {
			return true
		}
		if op == "==" {
			return false
		}
		return nil
	}
	switch op {
	case "==":
		return c == 0
	case "!=":
		return c != 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	}
	return c >= 0
}

// stringOp runs a string operator; all but the _cs ones ignore case.
func stringOp(op, s, t string) bool {
	neg := strings.HasPrefix(op, "!")
	op = strings.TrimPrefix(op, "!")
	if cs := strings.TrimSuffix(op, "_cs"); cs != op {
		op = cs
	} else {
		s, t = strings.ToLower(s), strings.ToLower(t)
	}
	var ok bool
	switch op {
	case "has":
		ok = hasTerm(s, t)
	case "contains":
		ok = strings.Contains(s, t)
	case "startswith":
		ok = strings.HasPrefix(s, t)
	case "endswith":
		ok = strings.HasSuffix(s, t)
	case "hasprefix":
		ok = hasTermPrefix(s, t)
	case "hassuffix":
		ok = hasTermSuffix(s, t)
	}
	return ok != neg
}

func isAlnum(c byte) bool {
	return isDigit(c) || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || c >= 0x80
}

// hasTerm is has: t occurs in s as whole terms, a term being a run of
// letters and digits, so "KeySign" has "keysign" but not "key".
func hasTerm(s, t string) bool { return termMatch(s, t, true, true) }

// hasTermPrefix is hasprefix: t starts a term of s.
func hasTermPrefix(s, t string) bool { return termMatch(s, t, true, false) }

// hasTermSuffix is hassuffix: t ends a term of s.
func hasTermSuffix(s, t string) bool { return termMatch(s, t, false, true) }

// termMatch looks for t in s starting (before) and/or ending (after) at a
// term boundary; a t that starts or ends with punctuation is its own
// boundary there.
func termMatch(s, t string, before, after bool) bool {
	if t == "" {
		return true
	}
	for from := 0; from+len(t) <= len(s); {
		i := strings.Index(s[from:], t)
		if i < 0 {
			return false
		}
		i += from
		j := i + len(t)
		okBefore := !before || i == 0 || !isAlnum(s[i-1]) || !isAlnum(t[0])
		okAfter := !after || j == len(s) || !isAlnum(s[j]) || !isAlnum(t[len(t)-1])
		if okBefore && okAfter {
			return true
		}
		from = i + 1
	}
	return false
}

func arithType(op, l, r string) string {
	switch {
	case l == "datetime" && r == "datetime" && op == "-":
		return "timespan"
	case l == "datetime" || r == "datetime":
		return "datetime"
	case l == "timespan" || r == "timespan":
		return "timespan"
	case l == "real" || r == "real":
		return "real"
	case l == "dynamic" || r == "dynamic":
		return "dynamic"
	}
	return "long"
}

// arith is + - * / % over numbers, datetimes and timespans; null when the
// operands do not fit.
func arith(op string, a, b any) any {
	a, b = dyn(a), dyn(b)
	switch x := a.(type) {
	case time.Time:
		switch y := b.(type) {
		case time.Time:
			if op == "-" {
				return x.Sub(y)
			}
		case time.Duration:
			switch op {
			case "+":
				return x.Add(y)
			case "-":
				return x.Add(-y)
			}
		}
		return nil
	case time.Duration:
		switch y := b.(type) {
		case time.Duration:
			switch op {
			case "+":
				return x + y
			case "-":
				return x - y
			case "/":
				if y != 0 {
					return float64(x) / float64(y)
				}
			}
		case time.Time:
			if op == "+" {
				return y.Add(x)
			}
		}
		if f, ok := asFloat(b); ok && (op == "*" || op == "/") {
			if op == "/" {
				if f == 0 {
					return nil
				}
				f = 1 / f
			}
			return time.Duration(float64(x) * f)
		}
		return nil
	}
	if d, ok := b.(time.Duration); ok && op == "*" {
		return arith(op, d, a)
	}
	na, nb := number(a), number(b)
	if na == nil || nb == nil {
		return nil
	}
	ia, aInt := na.(int64)
	ib, bInt := nb.(int64)
	if aInt && bInt {
		switch op {
		case "+":
			return ia + ib
		case "-":
			return ia - ib
		case "*":
			return ia * ib
		case "/":
			if ib == 0 || (ia == math.MinInt64 && ib == -1) {
				return nil
			}
			return ia / ib
		case "%":
			if ib == 0 || (ia == math.MinInt64 && ib == -1) {
				return nil
			}
			return ia % ib
		}
	}
	fa, _ := asFloat(na)
	fb, _ := asFloat(nb)
	switch op {
	case "+":
		return fa + fb
	case "-":
		return fa - fb
	case "*":
		return fa * fb
	case "/":
		return fa / fb
	case "%":
		return math.Mod(fa, fb)
	}
	return nil
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
		return inList(op, dyn(l.eval(r)), list)
	}}, nil
}

func inList(op string, v any, list []any) bool {
	switch op {
	case "has_any", "has_all":
		s := strings.ToLower(toStr(v))
		for _, it := range list {
			has := hasTerm(s, strings.ToLower(toStr(dyn(it))))
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
	if v == nil {
		return neg // null is in no list
	}
	fold := strings.HasSuffix(op, "~")
	found := false
	for _, it := range list {
		if fold {
			found = strings.EqualFold(toStr(v), toStr(dyn(it)))
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
