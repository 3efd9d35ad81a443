package auditlog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// The Log Analytics query API answers
//
//	{"tables":[{"name":"PrimaryResult","columns":[{"name":"TimeGenerated","type":"datetime"},...],"rows":[[...],...]}]}
//
// Each row becomes one record: an object of the table's column names and
// the row's values, which ParseRecord reads like any Log Analytics row.
// Dynamic columns come as JSON text or as nested JSON; both are kept as
// they are. Rows are streamed one by one like the records of a
// {"records":[...]} wrapper, so an answer may be of any size; a table's
// columns must come before its rows, as the API writes them.

// tableState is what the decoder knows of the table it is reading.
type tableState struct {
	cols    [][]byte // JSON-quoted column names; nil before "columns"
	colsErr error    // why the columns could not be read
}

var (
	columnsKey = []byte("columns")
	rowsKey    = []byte("rows")
)

// tableStep reads one step of a query answer's tables array. It returns a
// row rendered as an object, an error, or nothing (nil, no error) when it
// only moved on.
func (d *Decoder) tableStep() ([]byte, Position, error) {
	if err := d.skipSpace(!d.lines); err != nil {
		return d.broken(d.wrapPos, err)
	}
	c := d.buf[d.pos]
	switch d.state {
	case stTables:
		switch c {
		case ']':
			d.take()
			d.state, d.table = stWrapperRest, nil
		case ',':
			d.take()
		case '{':
			d.take()
			d.table = &tableState{}
			d.state = stTable
		default:
			pos := d.here()
			if err := d.scanValue(); err != nil {
				return d.broken(pos, err)
			}
			return nil, pos, &RecordError{Pos: pos, Err: errors.New("query answer: a table that is not a JSON object")}
		}
	case stTable:
		switch c {
		case '}':
			d.take()
			d.state = stTables
		case ',':
			d.take()
		case '"':
			if err := d.scanString(); err != nil {
				return d.broken(d.wrapPos, err)
			}
			if err := d.colon(); err != nil {
				return d.broken(d.wrapPos, err)
			}
			switch {
			case bytes.EqualFold(d.key, columnsKey):
				return d.columns()
			case bytes.EqualFold(d.key, rowsKey) && d.buf[d.pos] == '[':
				d.take()
				d.state = stRows
			default:
				if err := d.scanValue(); err != nil {
					return d.broken(d.wrapPos, err)
				}
			}
		default:
			return d.broken(d.wrapPos, fmt.Errorf("want a member name, found %s", quoteByte(c)))
		}
	case stRows:
		switch c {
		case ']':
			d.take()
			d.state = stTable
		case ',':
			d.take()
		default:
			raw, pos, err := d.element()
			if err != nil {
				return raw, pos, err
			}
			obj, err := d.table.object(raw, d.obj[:0])
			if err != nil {
				return nil, pos, &RecordError{Pos: pos, Err: err}
			}
			d.obj = obj
			return obj, pos, nil
		}
	}
	return nil, Position{}, nil
}

// columns reads a table's columns; a list it cannot read is reported once,
// and each row of the table after it.
func (d *Decoder) columns() ([]byte, Position, error) {
	raw, pos, err := d.element()
	if err != nil {
		if d.table != nil { // a column list too large; else the structure broke and the answer is left
			d.table.colsErr = errors.New("its columns could not be read")
		}
		return raw, pos, err
	}
	var cols []struct {
		Name       string `json:"name"`
		ColumnName string `json:"ColumnName"` // Azure Data Explorer's spelling
	}
	if err := json.Unmarshal(raw, &cols); err != nil {
		d.table.colsErr = errors.New("its columns could not be read")
		return nil, pos, &RecordError{Pos: pos, Err: fmt.Errorf("query answer: columns: %v", err)}
	}
	d.table.cols = make([][]byte, len(cols))
	for i, c := range cols {
		name := first(c.Name, c.ColumnName)
		if name == "" {
			continue // a nameless column's values are dropped
		}
		d.table.cols[i] = appendJSONString(nil, name)
	}
	return nil, Position{}, nil
}

// object renders a row (a JSON array) as an object of the table's column
// names, appended to dst. Null values are left out, as a missing column.
func (t *tableState) object(row, dst []byte) ([]byte, error) {
	switch {
	case t.colsErr != nil:
		return nil, errors.New("query answer: row of a table whose columns could not be read")
	case t.cols == nil:
		return nil, errors.New("query answer: row before its table's columns: its values have no names")
	}
	var vals []json.RawMessage
	if err := json.Unmarshal(row, &vals); err != nil {
		return nil, fmt.Errorf("query answer: row: %v", err)
	}
	if len(vals) != len(t.cols) {
		return nil, fmt.Errorf("query answer: row of %d values in a table of %d columns", len(vals), len(t.cols))
	}
	dst = append(dst, '{')
	for i, v := range vals {
		if t.cols[i] == nil || string(v) == "null" {
			continue
		}
		if len(dst) > 1 {
			dst = append(dst, ',')
		}
		dst = append(dst, t.cols[i]...)
		dst = append(dst, ':')
		dst = append(dst, v...)
	}
	return append(dst, '}'), nil
}
