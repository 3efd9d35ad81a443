package store

import (
	"strconv"
	"strings"
)

// params collects the bound parameters of a statement built piece by
// piece: add binds a value and returns its placeholder, $1, $2, ... in
// order, which both databases accept.
type params []any

func (p *params) add(v any) string {
	*p = append(*p, v)
	return "$" + strconv.Itoa(len(*p))
}

// list binds every value and returns their placeholders, comma-separated,
// for an IN (...) list.
func list[T any](p *params, vs []T) string {
	ps := make([]string, len(vs))
	for i, v := range vs {
		ps[i] = p.add(v)
	}
	return strings.Join(ps, ", ")
}

// whereClause joins conditions into " WHERE a AND b", or "" for none.
func whereClause(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}
