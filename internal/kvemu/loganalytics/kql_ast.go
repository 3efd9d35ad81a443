package loganalytics

// The parsed form of a query. Scalar expressions are expr; a tabular
// expression is a pipeline: a source and operators.

type expr interface{ exprPos() int }

type (
	// litExpr is a literal; typ is its KQL type.
	litExpr struct {
		pos int
		v   any
		typ string
	}
	// nameExpr is a column or a let name.
	nameExpr struct {
		pos  int
		name string
	}
	callExpr struct {
		pos  int
		name string // lower-cased
		args []expr
		star bool // f(*), as arg_max(T, *)
	}
	binExpr struct {
		pos  int
		op   string // lower-cased: and or == != =~ !~ < <= > >= + - * / % has contains ...
		l, r expr
	}
	// inExpr is l in (list); tab is set when the list is a tabular
	// expression (its first column).
	inExpr struct {
		pos  int
		op   string // in in~ !in !in~ has_any has_all
		l    expr
		list []expr
		tab  *pipeline
	}
	betweenExpr struct {
		pos    int
		not    bool
		l      expr
		lo, hi expr
	}
	memberExpr struct {
		pos int
		x   expr
		key string
	}
	indexExpr struct {
		pos    int
		x, idx expr
	}
	negExpr struct {
		pos int
		x   expr
	}
)

func (e *litExpr) exprPos() int     { return e.pos }
func (e *nameExpr) exprPos() int    { return e.pos }
func (e *callExpr) exprPos() int    { return e.pos }
func (e *binExpr) exprPos() int     { return e.pos }
func (e *inExpr) exprPos() int      { return e.pos }
func (e *betweenExpr) exprPos() int { return e.pos }
func (e *memberExpr) exprPos() int  { return e.pos }
func (e *indexExpr) exprPos() int   { return e.pos }
func (e *negExpr) exprPos() int     { return e.pos }

// assign is Name = expr; name is "" when the query gave none.
type assign struct {
	name string
	e    expr
}

// pipeline is a tabular expression.
type pipeline struct {
	src source
	ops []tabOp
}

type source interface{ isSource() }

type (
	tableSrc     struct{ name string }
	watchlistSrc struct{ alias string }
	unionSrc     struct {
		kind  string // outer or inner
		items []*pipeline
	}
	pipeSrc struct{ p *pipeline } // (T | ...)
)

func (tableSrc) isSource()     {}
func (watchlistSrc) isSource() {}
func (unionSrc) isSource()     {}
func (pipeSrc) isSource()      {}

type tabOp interface{ opName() string }

type (
	whereOp         struct{ e expr }
	extendOp        struct{ items []assign }
	projectOp       struct{ items []assign }
	projectAwayOp   struct{ names []string }
	projectKeepOp   struct{ names []string }
	projectRenameOp struct{ pairs [][2]string } // new, old
	summarizeOp     struct{ aggs, by []assign }
	joinOp          struct {
		kind  string
		right *pipeline
		on    []joinKey
	}
	unionOp    struct{ u unionSrc }
	distinctOp struct {
		items []assign
		all   bool
	}
	takeOp  struct{ n int }
	orderOp struct{ keys []orderKey }
	topOp   struct {
		n   int
		key orderKey
	}
	countOp struct{}
)

func (whereOp) opName() string         { return "where" }
func (extendOp) opName() string        { return "extend" }
func (projectOp) opName() string       { return "project" }
func (projectAwayOp) opName() string   { return "project-away" }
func (projectKeepOp) opName() string   { return "project-keep" }
func (projectRenameOp) opName() string { return "project-rename" }
func (summarizeOp) opName() string     { return "summarize" }
func (joinOp) opName() string          { return "join" }
func (unionOp) opName() string         { return "union" }
func (distinctOp) opName() string      { return "distinct" }
func (takeOp) opName() string          { return "take" }
func (orderOp) opName() string         { return "order by" }
func (topOp) opName() string           { return "top" }
func (countOp) opName() string         { return "count" }

// joinKey is one equality of a join: the left column and the right one.
type joinKey struct{ left, right string }

type orderKey struct {
	e          expr
	desc       bool
	nullsFirst bool
}

// statement is a let or the query's tabular expression.
type statement struct {
	let    string // the let's name; "" for the query itself
	tab    *pipeline
	scalar expr // a let binding a scalar
}
