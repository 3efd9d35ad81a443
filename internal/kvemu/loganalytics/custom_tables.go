package loganalytics

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/honeyvault/honeyvault/internal/kvemu"
)

// createTable adds a custom table with cols, or checks that the table
// already has them (two rules may send to one table).
func (w *Workspace) createTable(name string, cols []Column) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if have, ok := w.custom[name]; ok {
		if fmt.Sprint(have) != fmt.Sprint(cols) {
			return fmt.Errorf("loganalytics: table %s exists with other columns", name)
		}
		return nil
	}
	if w.custom == nil {
		w.custom = map[string][]Column{}
	}
	w.custom[name] = cols
	return nil
}

// columns returns a table's columns: a built-in table's or a custom one's.
func (w *Workspace) columns(table string) ([]Column, bool) {
	if cols, ok := tableColumns[table]; ok {
		return cols, true
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	cols, ok := w.custom[table]
	return cols, ok
}

// ingest stores uploaded rows in st's table, all or none: as Log Analytics
// does with a rule whose transformation is "source", each row keeps the
// declared columns only, typed as declared (a value of another type is
// dropped), and a row without a valid TimeGenerated gets its ingestion time.
func (w *Workspace) ingest(st Stream, rows []map[string]any) {
	now := w.e.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	cols := w.custom[st.Table]
	for _, in := range rows {
		out := make(map[string]any, len(cols))
		for _, c := range cols[:len(cols)-1] { // all but Type
			if v := typed(c.Type, in[c.Name]); v != nil {
				out[c.Name] = v
			}
		}
		if out["TimeGenerated"] == nil {
			out["TimeGenerated"] = now.UTC().Format(kvemu.TimeLayout)
		}
		out["Type"] = st.Table
		w.tables[st.Table] = append(w.tables[st.Table], laRow{cols: out, ingested: now})
	}
}

// typed returns v as a column of type typ holds it, or nil when v does not
// fit: datetimes in the emulator's layout, dynamic values as JSON text.
func typed(typ string, v any) any {
	if v == nil {
		return nil
	}
	switch typ {
	case "datetime":
		s, _ := v.(string)
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil
		}
		return t.UTC().Format(kvemu.TimeLayout)
	case "dynamic":
		if s, ok := v.(string); ok {
			return s
		}
		b, _ := json.Marshal(v)
		return string(b)
	case "string", "guid":
		if s, ok := v.(string); ok {
			return s
		}
	case "int", "long", "real":
		if f, ok := v.(float64); ok {
			return f
		}
	case "bool":
		if b, ok := v.(bool); ok {
			return b
		}
	}
	return nil
}
