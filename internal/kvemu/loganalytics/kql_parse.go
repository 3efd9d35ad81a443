package loganalytics

import (
	"strings"
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
