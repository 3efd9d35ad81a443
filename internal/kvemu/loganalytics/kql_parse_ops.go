package loganalytics

import "strings"

// The tabular operators after a |.

// operatorName reads an operator's name, joining hyphenated ones
// (project-away) whose parts touch.
func (p *parser) operatorName() (string, error) {
	t := p.next()
	if t.kind != tkIdent {
		return "", p.errAt(t, "want an operator after |")
	}
	name, end := strings.ToLower(t.text), t.end
	for {
		dash, w := p.peek(), p.peekAt(1)
		if dash.kind != tkPunct || dash.text != "-" || dash.pos != end || w.kind != tkIdent || w.pos != dash.end {
			return name, nil
		}
		p.i += 2
		name, end = name+"-"+strings.ToLower(w.text), w.end
	}
}

func (p *parser) operator() (tabOp, error) {
	opTok := p.peek()
	name, err := p.operatorName()
	if err != nil {
		return nil, err
	}
	switch name {
	case "where", "filter":
		e, err := p.expr()
		return whereOp{e}, err
	case "extend":
		items, err := p.assignments()
		return extendOp{items}, err
	case "project":
		items, err := p.assignments()
		return projectOp{items}, err
	case "project-away", "project-keep":
		names, err := p.names()
		if name == "project-away" {
			return projectAwayOp{names}, err
		}
		return projectKeepOp{names}, err
	case "project-rename":
		var pairs [][2]string
		for {
			nw, err := p.ident()
			if err != nil {
				return nil, err
			}
			if err := p.expectPunct("="); err != nil {
				return nil, err
			}
			old, err := p.ident()
			if err != nil {
				return nil, err
			}
			pairs = append(pairs, [2]string{nw, old})
			if !p.punct(",") {
				return projectRenameOp{pairs}, nil
			}
		}
	case "summarize":
		return p.summarize()
	case "join":
		return p.join()
	case "union":
		u, err := p.union()
		return unionOp{u}, err
	case "distinct":
		if p.punct("*") {
			return distinctOp{all: true}, nil
		}
		items, err := p.assignments()
		return distinctOp{items: items}, err
	case "take", "limit":
		n, err := p.count()
		return takeOp{n}, err
	case "order", "sort":
		if !p.word("by") {
			return nil, p.errAt(p.peek(), "want by after "+name)
		}
		var keys []orderKey
		for {
			k, err := p.orderKey()
			if err != nil {
				return nil, err
			}
			keys = append(keys, k)
			if !p.punct(",") {
				return orderOp{keys}, nil
			}
		}
	case "top":
		n, err := p.count()
		if err != nil {
			return nil, err
		}
		if !p.word("by") {
			return nil, p.errAt(p.peek(), "want by after top N")
		}
		k, err := p.orderKey()
		return topOp{n, k}, err
	case "count":
		return countOp{}, nil
	}
	return nil, p.errAt(opTok, "unsupported operator "+name)
}

func (p *parser) count() (int, error) {
	t := p.next()
	if t.kind != tkNumber || !t.isInt || t.num > 1e9 {
		return 0, p.errAt(t, "want a row count")
	}
	return int(t.num), nil
}

func (p *parser) orderKey() (orderKey, error) {
	e, err := p.expr()
	k := orderKey{e: e, desc: true}
	switch {
	case p.word("asc"):
		k.desc = false
	case p.word("desc"):
	}
	k.nullsFirst = !k.desc // KQL's default: nulls last when descending, first when ascending
	if p.word("nulls") {
		switch {
		case p.word("first"):
			k.nullsFirst = true
		case p.word("last"):
			k.nullsFirst = false
		default:
			return k, p.errAt(p.peek(), "want first or last after nulls")
		}
	}
	return k, err
}

func (p *parser) names() ([]string, error) {
	var names []string
	for {
		n, err := p.ident()
		if err != nil {
			return nil, err
		}
		if t := p.peek(); t.kind == tkPunct && t.text == "*" && t.pos == p.toks[p.i-1].end {
			p.next()
			n += "*"
		}
		names = append(names, n)
		if !p.punct(",") {
			return names, nil
		}
	}
}

// assignments reads [Name =] expr, ...
func (p *parser) assignments() ([]assign, error) {
	var items []assign
	for {
		var a assign
		if t, eq := p.peek(), p.peekAt(1); t.kind == tkIdent && eq.kind == tkPunct && eq.text == "=" {
			p.i += 2
			a.name = t.text
		}
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		a.e = e
		items = append(items, a)
		if !p.punct(",") {
			return items, nil
		}
	}
}

func (p *parser) summarize() (tabOp, error) {
	var s summarizeOp
	if !p.word("by") {
		aggs, err := p.assignments()
		if err != nil {
			return nil, err
		}
		s.aggs = aggs
		if !p.word("by") {
			return s, nil
		}
	}
	by, err := p.assignments()
	s.by = by
	return s, err
}

// join reads [kind=K] Right on keys, where Right is a table, a tabular
// let or a parenthesised tabular expression.
func (p *parser) join() (tabOp, error) {
	j := joinOp{kind: "innerunique"}
	if p.word("kind") {
		if err := p.expectPunct("="); err != nil {
			return nil, err
		}
		k, err := p.ident()
		if err != nil {
			return nil, err
		}
		j.kind = strings.ToLower(k)
		if !joinKinds[j.kind] {
			return nil, qerr("join kind %q: want one of innerunique, inner, leftouter, rightouter, fullouter, leftsemi, leftanti, rightsemi, rightanti", k)
		}
	}
	if p.peek().kind == tkIdent && strings.HasPrefix(strings.ToLower(p.peek().text), "hint") {
		return nil, p.errAt(p.peek(), "join hints are not supported")
	}
	src, err := p.source()
	if err != nil {
		return nil, err
	}
	j.right = &pipeline{src: src}
	if ps, ok := src.(pipeSrc); ok {
		j.right = ps.p
	}
	if !p.word("on") {
		return nil, p.errAt(p.peek(), "want on after the join's right side")
	}
	for {
		e, err := p.andExpr()
		if err != nil {
			return nil, err
		}
		keys, err := joinKeys(e)
		if err != nil {
			return nil, err
		}
		j.on = append(j.on, keys...)
		if !p.punct(",") {
			return j, nil
		}
	}
}

var joinKinds = map[string]bool{"innerunique": true, "inner": true, "leftouter": true, "rightouter": true,
	"fullouter": true, "leftsemi": true, "leftanti": true, "rightsemi": true, "rightanti": true}

// joinKeys reads one join condition: Col, or $left.A == $right.B, or
// several of them joined by and.
func joinKeys(e expr) ([]joinKey, error) {
	switch x := e.(type) {
	case *nameExpr:
		return []joinKey{{x.name, x.name}}, nil
	case *binExpr:
		switch x.op {
		case "and":
			l, err := joinKeys(x.l)
			if err != nil {
				return nil, err
			}
			r, err := joinKeys(x.r)
			return append(l, r...), err
		case "==":
			side := func(e expr) (string, string, bool) {
				m, ok := e.(*memberExpr)
				if !ok {
					return "", "", false
				}
				n, ok := m.x.(*nameExpr)
				if !ok || (n.name != "$left" && n.name != "$right") {
					return "", "", false
				}
				return n.name, m.key, true
			}
			ls, lc, ok1 := side(x.l)
			rs, rc, ok2 := side(x.r)
			if ok1 && ok2 && ls != rs {
				if ls == "$right" {
					lc, rc = rc, lc
				}
				return []joinKey{{lc, rc}}, nil
			}
		}
	}
	return nil, qerr("join on: want Column or $left.Column == $right.Column at %d", e.exprPos())
}
