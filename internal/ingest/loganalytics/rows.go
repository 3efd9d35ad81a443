package loganalytics

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/store"
)

// page is one query result turned into events.
type page struct {
	events   []auditlog.Event
	dead     []store.DeadLetter
	rows     int
	oldest   time.Time // smallest ingestion time in the page
	newest   time.Time // largest ingestion time in the page
	unparsed int       // rows without a readable ingestion time
}

// readTable turns the rows of a query result into events: each row becomes
// the JSON object of its columns (what an export of the table looks like),
// parsed like any other record. Rows that do not parse are dead letters.
func readTable(source, table string, t azlogs.Table) (page, error) {
	var p page
	ing := -1
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		if c.Name != nil {
			names[i] = *c.Name
		}
		if names[i] == ingestionColumn {
			ing = i
		}
	}
	if ing < 0 {
		return p, fmt.Errorf("loganalytics: result has no %s column", ingestionColumn)
	}
	p.rows = len(t.Rows)
	for n, row := range t.Rows {
		obj := make(map[string]any, len(row))
		var ingested time.Time
		for i, v := range row {
			if i >= len(names) || v == nil || names[i] == "" {
				continue
			}
			if i == ing {
				if s, ok := v.(string); ok {
					ingested, _ = time.Parse(time.RFC3339Nano, s)
				}
				continue
			}
			obj[names[i]] = v
		}
		if ingested.IsZero() {
			p.unparsed++
		} else {
			if p.oldest.IsZero() || ingested.Before(p.oldest) {
				p.oldest = ingested
			}
			if ingested.After(p.newest) {
				p.newest = ingested
			}
		}
		raw, err := json.Marshal(obj)
		if err != nil { // a row decoded from JSON always encodes
			return p, err
		}
		pos := fmt.Sprintf("%s row %d ingested %s", table, n+1, ingested.UTC().Format(time.RFC3339Nano))
		ev, err := auditlog.ParseRecord(raw)
		if err != nil {
			p.dead = append(p.dead, store.DeadLetter{Source: source, Position: pos, Reason: err.Error(), Raw: string(raw)})
			continue
		}
		ev.Source = auditlog.Position{File: table}
		p.events = append(p.events, ev)
	}
	return p, nil
}

// errPartial is a query that Log Analytics answered only in part.
var errPartial = errors.New("loganalytics: partial result")
