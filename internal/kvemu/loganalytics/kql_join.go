package loganalytics

import (
	"slices"
	"strconv"
)

// join runs left | join kind=K (right) on keys. Rows match when every key
// is equal (a null key matches nothing). The result has the left columns
// and the right ones, a right column whose name the left has taking the
// suffix 1 (Key, Key1), except for the semi and anti kinds, which keep one
// side's columns. innerunique, the default, first keeps one left row per
// key.
func join(left *table, j joinOp, r *run) (*table, error) {
	right, err := execPipeline(j.right, r)
	if err != nil {
		return nil, err
	}
	li, ri := make([]int, len(j.on)), make([]int, len(j.on))
	for k, key := range j.on {
		if li[k] = slices.IndexFunc(left.cols, func(c Column) bool { return c.Name == key.left }); li[k] < 0 {
			return nil, qerr("join: the left side has no column %s", key.left)
		}
		if ri[k] = slices.IndexFunc(right.cols, func(c Column) bool { return c.Name == key.right }); ri[k] < 0 {
			return nil, qerr("join: the right side has no column %s", key.right)
		}
	}
	keyOf := func(rw row, idx []int) (string, bool) {
		vals := make([]any, len(idx))
		for k, i := range idx {
			if vals[k] = rw.vals[i]; dyn(vals[k]) == nil {
				return "", false
			}
		}
		return rowKey(vals), true
	}
	lrows := left.rows
	if j.kind == "innerunique" {
		seen := map[string]bool{}
		lrows = nil
		for _, rw := range left.rows {
			k, ok := keyOf(rw, li)
			if ok && !seen[k] {
				seen[k] = true
				lrows = append(lrows, rw)
			}
		}
	}
	byKey := map[string][]int{}
	for i, rw := range right.rows {
		if k, ok := keyOf(rw, ri); ok {
			byKey[k] = append(byKey[k], i)
		}
	}
	switch j.kind {
	case "leftsemi", "leftanti":
		out := &table{cols: left.cols}
		for _, rw := range lrows {
			k, ok := keyOf(rw, li)
			if (ok && len(byKey[k]) > 0) == (j.kind == "leftsemi") {
				out.rows = append(out.rows, rw)
			}
		}
		return out, nil
	case "rightsemi", "rightanti":
		matched := map[string]bool{}
		for _, rw := range lrows {
			if k, ok := keyOf(rw, li); ok {
				matched[k] = true
			}
		}
		out := &table{cols: right.cols}
		for _, rw := range right.rows {
			k, ok := keyOf(rw, ri)
			if (ok && matched[k]) == (j.kind == "rightsemi") {
				out.rows = append(out.rows, rw)
			}
		}
		return out, nil
	}
	out := &table{cols: slices.Clone(left.cols)}
	for _, c := range right.cols {
		name := c.Name
		for n := 1; slices.ContainsFunc(out.cols, func(x Column) bool { return x.Name == name }); n++ {
			name = c.Name + strconv.Itoa(n)
		}
		out.cols = append(out.cols, Column{Name: name, Type: c.Type})
	}
	pair := func(l, rr []any) row {
		vals := make([]any, 0, len(out.cols))
		if l == nil {
			l = nullRow(left.cols)
		}
		if rr == nil {
			rr = nullRow(right.cols)
		}
		return row{vals: append(append(vals, l...), rr...)}
	}
	usedRight := make([]bool, len(right.rows))
	for _, rw := range lrows {
		k, ok := keyOf(rw, li)
		matches := byKey[k]
		if !ok {
			matches = nil
		}
		if len(out.rows)+len(matches) > maxRows {
			return nil, tooManyRows()
		}
		for _, i := range matches {
			usedRight[i] = true
			out.rows = append(out.rows, pair(rw.vals, right.rows[i].vals))
		}
		if len(matches) == 0 && (j.kind == "leftouter" || j.kind == "fullouter") {
			out.rows = append(out.rows, pair(rw.vals, nil))
		}
	}
	if j.kind == "rightouter" || j.kind == "fullouter" {
		for i, rw := range right.rows {
			if !usedRight[i] {
				out.rows = append(out.rows, pair(nil, rw.vals))
			}
		}
	}
	return out, nil
}

// union appends tables. kind outer keeps every column (a name held with
// two types becomes Name_type for each), inner only the columns all the
// tables have. first is the piped input of | union, nil for a union source.
func union(first *table, u unionSrc, r *run) (*table, error) {
	var ts []*table
	if first != nil {
		ts = append(ts, first)
	}
	for _, p := range u.items {
		t, err := execPipeline(p, r)
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
	}
	types := map[string][]string{} // column name: its types, in order seen
	var names []string
	for _, t := range ts {
		for _, c := range t.cols {
			if _, ok := types[c.Name]; !ok {
				names = append(names, c.Name)
			}
			if !slices.Contains(types[c.Name], c.Type) {
				types[c.Name] = append(types[c.Name], c.Type)
			}
		}
	}
	outName := func(c Column) string {
		if len(types[c.Name]) > 1 {
			return c.Name + "_" + c.Type
		}
		return c.Name
	}
	var cols []Column
	for _, n := range names {
		for _, typ := range types[n] {
			c := Column{Name: n, Type: typ}
			if u.kind == "inner" && !slices.ContainsFunc(ts, func(t *table) bool { return !slices.Contains(t.cols, c) }) {
				cols = append(cols, Column{Name: outName(c), Type: typ})
			} else if u.kind != "inner" {
				cols = append(cols, Column{Name: outName(c), Type: typ})
			}
		}
	}
	out := &table{cols: cols}
	total := 0
	for _, t := range ts {
		if total += len(t.rows); total > maxRows {
			return nil, tooManyRows()
		}
	}
	for _, t := range ts {
		pos := make([]int, len(t.cols))
		for i, c := range t.cols {
			pos[i] = slices.IndexFunc(cols, func(x Column) bool { return x.Name == outName(c) })
		}
		for _, rw := range t.rows {
			vals := nullRow(cols)
			for i, p := range pos {
				if p >= 0 {
					vals[p] = rw.vals[i]
				}
			}
			out.rows = append(out.rows, row{vals: vals, ingested: rw.ingested})
		}
	}
	return out, nil
}

// nullRow is a row of nulls for cols; a string is never null in KQL, so
// string columns hold "".
func nullRow(cols []Column) []any {
	vals := make([]any, len(cols))
	for i, c := range cols {
		if c.Type == "string" {
			vals[i] = ""
		}
	}
	return vals
}
