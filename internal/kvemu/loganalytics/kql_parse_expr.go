package loganalytics

import (
	"encoding/json"
	"strings"
	"time"
)

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
