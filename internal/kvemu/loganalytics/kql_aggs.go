package loganalytics

import "slices"

// Aggregations of summarize.

// aggregates are the aggregation functions summarize knows.
var aggregates = map[string]bool{
	"count": true, "countif": true, "dcount": true, "sum": true, "avg": true, "min": true, "max": true,
	"make_set": true, "make_list": true, "arg_max": true, "arg_min": true, "take_any": true, "any": true,
}

// aggState accumulates one group's rows.
type aggState interface {
	add(r *row)
	result() []any
}

// boundAgg is an aggregation bound to summarize's input: the columns it
// adds and a fresh state per group.
type boundAgg struct {
	cols     []Column
	newState func() aggState
}

// bindAgg binds one aggregation of summarize, whose by-columns are by;
// a.name is the column name the query gave, "" for KQL's default
// (count_, min_X, set_X, ...).
func bindAgg(a assign, sc scope, by []Column) (boundAgg, error) {
	c, ok := a.e.(*callExpr)
	if !ok || !aggregates[c.name] {
		return boundAgg{}, qerr("summarize wants aggregations such as count() or make_set(X) at %d", a.e.exprPos())
	}
	args := make([]bound, 0, len(c.args))
	if c.name != "arg_max" && c.name != "arg_min" {
		if c.star {
			return boundAgg{}, qerr("%s(*) at %d: * stands only in arg_max and arg_min", c.name, c.pos)
		}
		for _, e := range c.args {
			b, err := bindExpr(e, sc)
			if err != nil {
				return boundAgg{}, err
			}
			args = append(args, b)
		}
	}
	arity := func(min, max int) error {
		if n := len(c.args); n < min || n > max {
			return qerr("%s() at %d takes %d to %d arguments, not %d", c.name, c.pos, min, max, n)
		}
		return nil
	}
	// argName is the default column name's suffix: the argument's column name.
	argName := ""
	if len(c.args) > 0 {
		if n, ok := c.args[0].(*nameExpr); ok {
			argName = n.name
		}
	}
	named := func(def, typ string) []Column {
		if a.name != "" {
			def = a.name
		}
		return []Column{{Name: def, Type: typ}}
	}
	switch c.name {
	case "count":
		if err := arity(0, 0); err != nil {
			return boundAgg{}, err
		}
		return boundAgg{named("count_", "long"), func() aggState { return &countState{} }}, nil
	case "countif":
		if err := arity(1, 1); err != nil {
			return boundAgg{}, err
		}
		return boundAgg{named("countif_", "long"), func() aggState { return &countState{pred: &args[0]} }}, nil
	case "dcount":
		if err := arity(1, 2); err != nil {
			return boundAgg{}, err
		}
		return boundAgg{named("dcount_"+argName, "long"), func() aggState { return &setState{arg: args[0], count: true} }}, nil
	case "sum", "avg":
		if err := arity(1, 1); err != nil {
			return boundAgg{}, err
		}
		typ := "real"
		if c.name == "sum" && (args[0].typ == "int" || args[0].typ == "long") {
			typ = "long"
		}
		return boundAgg{named(c.name+"_"+argName, typ), func() aggState { return &sumState{arg: args[0], avg: c.name == "avg"} }}, nil
	case "min", "max":
		if err := arity(1, 1); err != nil {
			return boundAgg{}, err
		}
		want := 1
		if c.name == "min" {
			want = -1
		}
		return boundAgg{named(c.name+"_"+argName, args[0].typ), func() aggState { return &extremeState{arg: args[0], want: want} }}, nil
	case "make_set", "make_list":
		if err := arity(1, 2); err != nil {
			return boundAgg{}, err
		}
		limit := 1 << 20
		if len(args) == 2 {
			n, ok := args[1].eval(nil).(int64)
			if !args[1].konst || !ok || n < 1 {
				return boundAgg{}, qerr("%s() at %d: the maximum size must be a positive constant", c.name, c.pos)
			}
			limit = int(min(n, int64(limit)))
		}
		prefix := map[string]string{"make_set": "set_", "make_list": "list_"}[c.name]
		return boundAgg{named(prefix+argName, "dynamic"), func() aggState {
			return &setState{arg: args[0], list: c.name == "make_list", limit: limit}
		}}, nil
	case "take_any", "any":
		if err := arity(1, 1); err != nil {
			return boundAgg{}, err
		}
		return boundAgg{named("any_"+argName, args[0].typ), func() aggState { return &anyState{arg: args[0]} }}, nil
	}
	return bindArgExtreme(c, a.name, sc, by)
}

// bindArgExtreme binds arg_max(E, cols... | *) and arg_min: the row where
// E is largest (smallest) gives E and the columns asked for; * is every
// column but E's and the by-columns.
func bindArgExtreme(c *callExpr, name string, sc scope, by []Column) (boundAgg, error) {
	if len(c.args) < 1 || (len(c.args) < 2 && !c.star) {
		return boundAgg{}, qerr("%s() at %d wants an expression and the columns to return (or *)", c.name, c.pos)
	}
	key, err := bindExpr(c.args[0], sc)
	if err != nil {
		return boundAgg{}, err
	}
	keyName := name
	if keyName == "" {
		if n, ok := c.args[0].(*nameExpr); ok {
			keyName = n.name
		} else {
			keyName = c.name[4:] + "_" // max_ or min_
		}
	}
	cols := []Column{{Name: keyName, Type: key.typ}}
	var rets []bound
	for _, e := range c.args[1:] {
		n, ok := e.(*nameExpr)
		if !ok {
			return boundAgg{}, qerr("%s() at %d returns columns: name them", c.name, c.pos)
		}
		b, err := bindExpr(n, sc)
		if err != nil {
			return boundAgg{}, err
		}
		cols, rets = append(cols, Column{Name: n.name, Type: b.typ}), append(rets, b)
	}
	if c.star {
		for i, col := range sc.cols {
			if col.Name == keyName || slices.ContainsFunc(by, func(b Column) bool { return b.Name == col.Name }) {
				continue
			}
			cols = append(cols, col)
			rets = append(rets, bound{typ: col.Type, eval: func(r *row) any { return r.vals[i] }})
		}
	}
	want := 1
	if c.name == "arg_min" {
		want = -1
	}
	return boundAgg{cols, func() aggState { return &argState{key: key, rets: rets, want: want} }}, nil
}

type countState struct {
	pred *bound
	n    int64
}

func (s *countState) add(r *row) {
	if s.pred == nil || truthy(s.pred.eval(r)) {
		s.n++
	}
}
func (s *countState) result() []any { return []any{s.n} }

// setState is make_set, make_list and dcount: values in first-seen order,
// nulls left out.
type setState struct {
	arg         bound
	list, count bool
	limit       int
	seen        map[string]bool
	vals        []any
}

func (s *setState) add(r *row) {
	v := dyn(s.arg.eval(r))
	if v == nil || (s.limit > 0 && len(s.vals) >= s.limit) {
		return
	}
	if !s.list {
		k := canon(v)
		if s.seen[k] {
			return
		}
		if s.seen == nil {
			s.seen = map[string]bool{}
		}
		s.seen[k] = true
	}
	s.vals = append(s.vals, v)
}

func (s *setState) result() []any {
	if s.count {
		return []any{int64(len(s.vals))}
	}
	if s.vals == nil {
		return []any{[]any{}}
	}
	return []any{s.vals}
}

type sumState struct {
	arg      bound
	avg      bool
	sawFloat bool
	i        int64
	f        float64
	n        int64
}

func (s *sumState) add(r *row) {
	switch x := number(s.arg.eval(r)).(type) {
	case int64:
		s.i += x
		s.f += float64(x)
		s.n++
	case float64:
		s.f += x
		s.n++
		s.sawFloat = true
	}
}

func (s *sumState) result() []any {
	switch {
	case s.n == 0:
		return []any{nil}
	case s.avg:
		return []any{s.f / float64(s.n)}
	case !s.sawFloat:
		return []any{s.i}
	}
	return []any{s.f}
}

type extremeState struct {
	arg  bound
	want int
	v    any
}

func (s *extremeState) add(r *row) {
	v := s.arg.eval(r)
	if dyn(v) == nil {
		return
	}
	if s.v == nil {
		s.v = v
		return
	}
	if c, ok := compareValues(v, s.v); ok && c == s.want {
		s.v = v
	}
}
func (s *extremeState) result() []any { return []any{s.v} }

type anyState struct {
	arg bound
	v   any
	set bool
}

func (s *anyState) add(r *row) {
	if !s.set {
		s.v, s.set = s.arg.eval(r), true
	}
}
func (s *anyState) result() []any { return []any{s.v} }

type argState struct {
	key  bound
	rets []bound
	want int
	best any
	vals []any
}

func (s *argState) add(r *row) {
	k := s.key.eval(r)
	if dyn(k) == nil {
		return
	}
	if s.vals != nil {
		if c, ok := compareValues(k, s.best); !ok || c != s.want {
			return
		}
	}
	s.best = k
	s.vals = make([]any, len(s.rets))
	for i, b := range s.rets {
		s.vals[i] = b.eval(r)
	}
}

func (s *argState) result() []any {
	out := []any{s.best}
	if s.vals == nil {
		return append(out, make([]any, len(s.rets))...)
	}
	return append(out, s.vals...)
}
