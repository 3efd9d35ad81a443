package loganalytics

import (
	"regexp"
	"time"
)

// bindCall binds a function call.
func bindCall(x *callExpr, sc scope) (bound, error) {
	if aggregates[x.name] {
		return bound{}, qerr("%s() at %d is an aggregation: use it in summarize", x.name, x.pos)
	}
	if x.star {
		return bound{}, qerr("%s(*) at %d: * stands only in arg_max and arg_min", x.name, x.pos)
	}
	arity := func(min, max int) error {
		if n := len(x.args); n < min || n > max {
			return qerr("%s() at %d takes %d to %d arguments, not %d", x.name, x.pos, min, max, n)
		}
		return nil
	}
	switch x.name {
	case "column_ifexists":
		if err := arity(2, 2); err != nil {
			return bound{}, err
		}
		name, ok := constString(x.args[0], sc)
		if !ok {
			return bound{}, qerr("column_ifexists at %d wants the column's name as a string", x.pos)
		}
		if i := sc.col(name); i >= 0 {
			return bound{typ: sc.cols[i].Type, eval: func(r *row) any { return r.vals[i] }}, nil
		}
		return bindExpr(x.args[1], sc)
	case "ingestion_time":
		if err := arity(0, 0); err != nil {
			return bound{}, err
		}
		return bound{typ: "datetime", eval: func(r *row) any {
			if r.ingested.IsZero() {
				return nil
			}
			return r.ingested.UTC()
		}}, nil
	case "now":
		if err := arity(0, 0); err != nil {
			return bound{}, err
		}
		return constant("datetime", sc.run.now), nil
	case "ago":
		if err := arity(1, 1); err != nil {
			return bound{}, err
		}
		d, err := bindExpr(x.args[0], sc)
		if err != nil {
			return bound{}, err
		}
		if d.typ != "timespan" && d.typ != "dynamic" {
			return bound{}, qerr("ago() at %d wants a timespan such as 5m, not a %s", x.pos, d.typ)
		}
		now := sc.run.now
		return bound{typ: "datetime", eval: func(r *row) any {
			if span, ok := d.eval(r).(time.Duration); ok {
				return now.Add(-span)
			}
			return nil
		}}, nil
	case "trim", "trim_start", "trim_end":
		if err := arity(2, 2); err != nil {
			return bound{}, err
		}
		re, err := constRegexp(x.args[0], sc)
		if err != nil {
			return bound{}, err
		}
		s, err := bindExpr(x.args[1], sc)
		if err != nil {
			return bound{}, err
		}
		lead, trail := trimmers(re, x.name)
		return bound{typ: "string", eval: func(r *row) any {
			v := textOf(s.eval(r))
			if lead != nil {
				v = lead.ReplaceAllString(v, "")
			}
			if trail != nil {
				v = trail.ReplaceAllString(v, "")
			}
			return v
		}}, nil
	case "extract":
		return bindExtract(x, sc)
	}
	args := make([]bound, len(x.args))
	for i, a := range x.args {
		b, err := bindExpr(a, sc)
		if err != nil {
			return bound{}, err
		}
		args[i] = b
	}
	switch x.name {
	case "iff", "iif":
		if err := arity(3, 3); err != nil {
			return bound{}, err
		}
		return bound{typ: args[1].typ, eval: func(r *row) any {
			if truthy(args[0].eval(r)) {
				return args[1].eval(r)
			}
			return args[2].eval(r)
		}}, nil
	case "case":
		if len(args) < 3 || len(args)%2 == 0 {
			return bound{}, qerr("case() at %d wants predicate, value pairs and an else value", x.pos)
		}
		return bound{typ: args[1].typ, eval: func(r *row) any {
			for i := 0; i+1 < len(args); i += 2 {
				if truthy(args[i].eval(r)) {
					return args[i+1].eval(r)
				}
			}
			return args[len(args)-1].eval(r)
		}}, nil
	case "coalesce":
		if err := arity(1, 64); err != nil {
			return bound{}, err
		}
		return bound{typ: args[0].typ, eval: func(r *row) any {
			for _, a := range args {
				if v := a.eval(r); !isEmpty(v) {
					return v
				}
			}
			return args[len(args)-1].eval(r)
		}}, nil
	}
	f, ok := scalarFuncs[x.name]
	if !ok {
		return bound{}, qerr("unknown function %s() at %d", x.name, x.pos)
	}
	if err := arity(f.min, f.max); err != nil {
		return bound{}, err
	}
	typ := f.ret
	if typ == "" {
		typ = args[0].typ
	}
	return bound{typ: typ, eval: func(r *row) any {
		vals := make([]any, len(args))
		for i, a := range args {
			vals[i] = a.eval(r)
		}
		return f.fn(vals)
	}}, nil
}

// trimmers are the leading and trailing matches trim, trim_start and
// trim_end remove: all of them, repeated.
func trimmers(re *regexp.Regexp, name string) (lead, trail *regexp.Regexp) {
	if name != "trim_end" {
		lead = regexp.MustCompile(`^(?:` + re.String() + `)+`)
	}
	if name != "trim_start" {
		trail = regexp.MustCompile(`(?:` + re.String() + `)+$`)
	}
	return lead, trail
}

// bindExtract binds extract(regex, group, source): the group's text of the
// first match, "" when none.
func bindExtract(x *callExpr, sc scope) (bound, error) {
	if len(x.args) != 3 {
		return bound{}, qerr("extract() at %d takes a regular expression, a capture group and a source", x.pos)
	}
	re, err := constRegexp(x.args[0], sc)
	if err != nil {
		return bound{}, err
	}
	g, err := bindExpr(x.args[1], sc)
	if err != nil {
		return bound{}, err
	}
	group, ok := g.eval(nil).(int64)
	if !g.konst || !ok || group < 0 || int(group) > re.NumSubexp() {
		return bound{}, qerr("extract() at %d: the capture group must be a constant from 0 to %d", x.pos, re.NumSubexp())
	}
	s, err := bindExpr(x.args[2], sc)
	if err != nil {
		return bound{}, err
	}
	return bound{typ: "string", eval: func(r *row) any {
		m := re.FindStringSubmatch(textOf(s.eval(r)))
		if m == nil {
			return ""
		}
		return m[group]
	}}, nil
}
