package loganalytics

import (
	"encoding/json"
	"strings"
	"time"
)

// maxDepth bounds the nesting of a query, so that a crafted one cannot
// exhaust the stack.
const maxDepth = 100

// parser reads tokens into statements. isTable says whether a name is a
// table of the workspace; the parser adds the names of tabular lets, so
// that it can tell T (a table) from T (a column) where both may stand.
type parser struct {
	toks    []token
	i       int
	depth   int
	isTable func(string) bool
	lets    map[string]bool // let names binding tabular expressions
}

// parseQuery parses a whole query: let statements and one tabular
// expression, separated by semicolons.
func parseQuery(q string, isTable func(string) bool) ([]statement, error) {
	toks, err := lex(q)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, isTable: isTable, lets: map[string]bool{}}
	var stmts []statement
	for {
		for p.punct(";") {
		}
		if p.peek().kind == tkEOF {
			break
		}
		st, err := p.statement()
		if err != nil {
			return nil, err
		}
		stmts = append(stmts, st)
		if t := p.peek(); t.kind != tkEOF && !(t.kind == tkPunct && t.text == ";") {
			return nil, p.errAt(t, "want ; or the end of the query")
		}
	}
	if len(stmts) == 0 || stmts[len(stmts)-1].let != "" {
		return nil, qerr("the query has no tabular expression to run")
	}
	for _, st := range stmts[:len(stmts)-1] {
		if st.let == "" {
			return nil, qerr("only the last statement may be a tabular expression; the others must be let statements")
		}
	}
	return stmts, nil
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) peekAt(n int) token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tkEOF {
		p.i++
	}
	return t
}

// punct consumes the punctuation s when it is next.
func (p *parser) punct(s string) bool {
	if t := p.peek(); t.kind == tkPunct && t.text == s {
		p.i++
		return true
	}
	return false
}

// word consumes the keyword w (any case) when it is next.
func (p *parser) word(w string) bool {
	if t := p.peek(); t.kind == tkIdent && strings.EqualFold(t.text, w) {
		p.i++
		return true
	}
	return false
}

func (p *parser) expectPunct(s string) error {
	if !p.punct(s) {
		return p.errAt(p.peek(), "want "+s)
	}
	return nil
}

func (p *parser) ident() (string, error) {
	t := p.peek()
	if t.kind != tkIdent {
		return "", p.errAt(t, "want a name")
	}
	p.i++
	return t.text, nil
}

func (p *parser) errAt(t token, msg string) error {
	if t.kind == tkEOF {
		return qerr("%s at the end of the query", msg)
	}
	return qerr("%s at %d, found %q", msg, t.pos, t.text)
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return qerr("the query nests deeper than %d", maxDepth)
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

func (p *parser) statement() (statement, error) {
	if !p.word("let") {
		tab, err := p.pipeline()
		return statement{tab: tab}, err
	}
	name, err := p.ident()
	if err != nil {
		return statement{}, err
	}
	if err := p.expectPunct("="); err != nil {
		return statement{}, err
	}
	if p.startsTabular() {
		tab, err := p.pipeline()
		if err != nil {
			return statement{}, err
		}
		p.lets[name] = true
		return statement{let: name, tab: tab}, nil
	}
	delete(p.lets, name) // a scalar let hides an earlier tabular one
	e, err := p.expr()
	return statement{let: name, scalar: e}, err
}

// startsTabular reports whether a tabular expression starts here: a
// table, a tabular let, _GetWatchlist, union, or one of those in
// parentheses.
func (p *parser) startsTabular() bool {
	j := p.i
	for p.toks[j].kind == tkPunct && p.toks[j].text == "(" {
		j++
	}
	t := p.toks[j]
	if t.kind != tkIdent {
		return false
	}
	return p.lets[t.text] || p.isTable(t.text) || strings.EqualFold(t.text, "_GetWatchlist") || strings.EqualFold(t.text, "union")
}

func (p *parser) pipeline() (*pipeline, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	src, err := p.source()
	if err != nil {
		return nil, err
	}
	pl := &pipeline{src: src}
	for p.punct("|") {
		op, err := p.operator()
		if err != nil {
			return nil, err
		}
		pl.ops = append(pl.ops, op)
	}
	return pl, nil
}

func (p *parser) source() (source, error) {
	t := p.peek()
	switch {
	case t.kind == tkPunct && t.text == "(":
		p.next()
		inner, err := p.pipeline()
		if err != nil {
			return nil, err
		}
		return pipeSrc{inner}, p.expectPunct(")")
	case t.kind != tkIdent:
		return nil, p.errAt(t, "want a table")
	case strings.EqualFold(t.text, "union"):
		p.next()
		return p.union()
	case strings.EqualFold(t.text, "_GetWatchlist"):
		p.next()
		if err := p.expectPunct("("); err != nil {
			return nil, err
		}
		alias := p.next()
		if alias.kind != tkString {
			return nil, p.errAt(alias, "_GetWatchlist wants the watchlist's alias as a string")
		}
		return watchlistSrc{alias.text}, p.expectPunct(")")
	case p.lets[t.text] || p.isTable(t.text):
		p.next()
		return tableSrc{t.text}, nil
	}
	return nil, p.errAt(t, "unknown table or tabular let")
}

// union reads [kind=inner|outer] T, T, ... after the word union.
func (p *parser) union() (unionSrc, error) {
	u := unionSrc{kind: "outer"}
	if p.word("kind") {
		if err := p.expectPunct("="); err != nil {
			return u, err
		}
		k, err := p.ident()
		if err != nil {
			return u, err
		}
		u.kind = strings.ToLower(k)
		if u.kind != "inner" && u.kind != "outer" {
			return u, qerr("union kind %q: want inner or outer", k)
		}
	}
	for {
		t := p.peek()
		var item *pipeline
		switch {
		case t.kind == tkPunct && t.text == "(":
			p.next()
			inner, err := p.pipeline()
			if err != nil {
				return u, err
			}
			if err := p.expectPunct(")"); err != nil {
				return u, err
			}
			item = inner
		case t.kind == tkIdent && (p.lets[t.text] || p.isTable(t.text)):
			p.next()
			item = &pipeline{src: tableSrc{t.text}}
		default:
			return u, p.errAt(t, "union wants tables")
		}
		u.items = append(u.items, item)
		if !p.punct(",") {
			return u, nil
		}
	}
}

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

// Scalar expressions, lowest precedence first: or, and, comparisons and
// string operators, + -, * / %, unary -, postfix . [] and primaries.

func (p *parser) expr() (expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	l, err := p.andExpr()
	if err != nil {
		return nil, err
	}
	for p.peek().kind == tkIdent && strings.EqualFold(p.peek().text, "or") {
		t := p.next()
		r, err := p.andExpr()
		if err != nil {
			return nil, err
		}
		l = &binExpr{pos: t.pos, op: "or", l: l, r: r}
	}
	return l, nil
}

func (p *parser) andExpr() (expr, error) {
	l, err := p.compare()
	if err != nil {
		return nil, err
	}
	for p.peek().kind == tkIdent && strings.EqualFold(p.peek().text, "and") {
		t := p.next()
		r, err := p.compare()
		if err != nil {
			return nil, err
		}
		l = &binExpr{pos: t.pos, op: "and", l: l, r: r}
	}
	return l, nil
}

// stringOps are the word operators between two scalars.
var stringOps = map[string]bool{
	"has": true, "!has": true, "has_cs": true, "!has_cs": true,
	"contains": true, "!contains": true, "contains_cs": true, "!contains_cs": true,
	"startswith": true, "!startswith": true, "startswith_cs": true, "!startswith_cs": true,
	"endswith": true, "!endswith": true, "endswith_cs": true, "!endswith_cs": true,
	"hasprefix": true, "!hasprefix": true, "hassuffix": true, "!hassuffix": true,
}

// listOps take a list on their right.
var listOps = map[string]bool{"in": true, "in~": true, "!in": true, "!in~": true, "has_any": true, "has_all": true}

var compareOps = map[string]bool{"==": true, "!=": true, "=~": true, "!~": true, "<": true, "<=": true, ">": true, ">=": true}

func (p *parser) compare() (expr, error) {
	l, err := p.additive()
	if err != nil {
		return nil, err
	}
	t := p.peek()
	op := strings.ToLower(t.text)
	switch {
	case t.kind == tkPunct && compareOps[op], t.kind == tkIdent && stringOps[op]:
		p.next()
		r, err := p.additive()
		if err != nil {
			return nil, err
		}
		return &binExpr{pos: t.pos, op: op, l: l, r: r}, nil
	case t.kind == tkIdent && (op == "matches"):
		p.next()
		if !p.word("regex") {
			return nil, p.errAt(p.peek(), "want regex after matches")
		}
		r, err := p.additive()
		if err != nil {
			return nil, err
		}
		return &binExpr{pos: t.pos, op: "matches regex", l: l, r: r}, nil
	case t.kind == tkIdent && listOps[op]:
		p.next()
		return p.inList(t.pos, op, l)
	case t.kind == tkIdent && (op == "between" || op == "!between"):
		p.next()
		if err := p.expectPunct("("); err != nil {
			return nil, err
		}
		lo, err := p.additive()
		if err != nil {
			return nil, err
		}
		if err := p.expectPunct(".."); err != nil {
			return nil, err
		}
		hi, err := p.additive()
		if err != nil {
			return nil, err
		}
		return &betweenExpr{pos: t.pos, not: op == "!between", l: l, lo: lo, hi: hi}, p.expectPunct(")")
	}
	return l, nil
}

// inList reads the right side of in and its kin: (a, b), a dynamic array,
// or (T) / (T | ...) for the first column of a tabular expression.
func (p *parser) inList(pos int, op string, l expr) (expr, error) {
	in := &inExpr{pos: pos, op: op, l: l}
	if t := p.peek(); t.kind == tkRaw && t.rawOf == "dynamic" {
		e, err := p.primary()
		in.list = []expr{e}
		return in, err
	}
	if err := p.expectPunct("("); err != nil {
		return nil, err
	}
	if p.startsTabular() && (op == "in" || op == "!in" || op == "in~" || op == "!in~") {
		tab, err := p.pipeline()
		if err != nil {
			return nil, err
		}
		in.tab = tab
		return in, p.expectPunct(")")
	}
	if p.punct(")") {
		return in, nil
	}
	for {
		e, err := p.additive()
		if err != nil {
			return nil, err
		}
		in.list = append(in.list, e)
		if p.punct(")") {
			return in, nil
		}
		if err := p.expectPunct(","); err != nil {
			return nil, err
		}
	}
}

func (p *parser) additive() (expr, error) {
	l, err := p.multiplicative()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		if t.kind != tkPunct || (t.text != "+" && t.text != "-") {
			return l, nil
		}
		p.next()
		r, err := p.multiplicative()
		if err != nil {
			return nil, err
		}
		l = &binExpr{pos: t.pos, op: t.text, l: l, r: r}
	}
}

func (p *parser) multiplicative() (expr, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		if t.kind != tkPunct || (t.text != "*" && t.text != "/" && t.text != "%") {
			return l, nil
		}
		p.next()
		r, err := p.unary()
		if err != nil {
			return nil, err
		}
		l = &binExpr{pos: t.pos, op: t.text, l: l, r: r}
	}
}

func (p *parser) unary() (expr, error) {
	if t := p.peek(); t.kind == tkPunct && t.text == "-" {
		p.next()
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer p.leave()
		x, err := p.unary()
		return &negExpr{pos: t.pos, x: x}, err
	}
	return p.postfix()
}

func (p *parser) postfix() (expr, error) {
	x, err := p.primary()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		switch {
		case t.kind == tkPunct && t.text == ".":
			p.next()
			key, err := p.ident()
			if err != nil {
				return nil, err
			}
			x = &memberExpr{pos: t.pos, x: x, key: key}
		case t.kind == tkPunct && t.text == "[":
			p.next()
			idx, err := p.expr()
			if err != nil {
				return nil, err
			}
			if err := p.expectPunct("]"); err != nil {
				return nil, err
			}
			x = &indexExpr{pos: t.pos, x: x, idx: idx}
		default:
			return x, nil
		}
	}
}

func (p *parser) primary() (expr, error) {
	t := p.next()
	switch t.kind {
	case tkString:
		return &litExpr{pos: t.pos, v: t.text, typ: "string"}, nil
	case tkNumber:
		if t.isInt && t.num <= 1<<53 {
			return &litExpr{pos: t.pos, v: int64(t.num), typ: "long"}, nil
		}
		return &litExpr{pos: t.pos, v: t.num, typ: "real"}, nil
	case tkTimespan:
		return &litExpr{pos: t.pos, v: t.span, typ: "timespan"}, nil
	case tkRaw:
		return rawLiteral(t)
	case tkPunct:
		if t.text == "(" {
			e, err := p.expr()
			if err != nil {
				return nil, err
			}
			return e, p.expectPunct(")")
		}
	case tkIdent:
		switch strings.ToLower(t.text) {
		case "true":
			return &litExpr{pos: t.pos, v: true, typ: "bool"}, nil
		case "false":
			return &litExpr{pos: t.pos, v: false, typ: "bool"}, nil
		}
		if p.punct("(") {
			return p.call(t)
		}
		return &nameExpr{pos: t.pos, name: t.text}, nil
	}
	if t.kind != tkEOF {
		p.i-- // next() consumed it
	}
	return nil, p.errAt(t, "want a value")
}

func (p *parser) call(name token) (expr, error) {
	c := &callExpr{pos: name.pos, name: strings.ToLower(name.text)}
	if p.punct(")") {
		return c, nil
	}
	for {
		if p.punct("*") {
			c.star = true
		} else {
			e, err := p.expr()
			if err != nil {
				return nil, err
			}
			c.args = append(c.args, e)
		}
		if p.punct(")") {
			return c, nil
		}
		if err := p.expectPunct(","); err != nil {
			return nil, err
		}
	}
}

// rawLiteral turns datetime(...), timespan(...) and dynamic(...) into
// values.
func rawLiteral(t token) (expr, error) {
	lit := &litExpr{pos: t.pos, typ: t.rawOf}
	if strings.EqualFold(t.text, "null") {
		return lit, nil
	}
	switch t.rawOf {
	case "datetime":
		v, ok := parseDatetime(t.text)
		if !ok {
			return nil, qerr("bad datetime literal %q at %d", t.text, t.pos)
		}
		lit.v = v
	case "timespan", "time":
		lit.typ = "timespan"
		toks, err := lex(t.text)
		if err != nil || len(toks) != 2 || (toks[0].kind != tkTimespan && toks[0].kind != tkNumber) {
			return nil, qerr("bad timespan literal %q at %d", t.text, t.pos)
		}
		lit.v = toks[0].span
		if toks[0].kind == tkNumber { // timespan(2) is two days
			lit.v = time.Duration(toks[0].num * float64(24*time.Hour))
		}
	case "dynamic":
		var v any
		if err := json.Unmarshal([]byte(t.text), &v); err != nil {
			return nil, qerr("bad dynamic literal at %d: want JSON", t.pos)
		}
		lit.v = normJSON(v)
	}
	return lit, nil
}

// datetimeLayouts are the datetime literal forms the emulator reads.
var datetimeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.9999999", "2006-01-02 15:04:05.9999999", "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"}

func parseDatetime(s string) (time.Time, bool) {
	for _, l := range datetimeLayouts {
		if t, err := time.Parse(l, strings.TrimSpace(s)); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
