package loganalytics

import (
	"bytes"
	"crypto/sha1"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// SetWatchlist loads a Microsoft Sentinel watchlist into the workspace
// from its CSV (a header row, then one row per item), replacing one of the
// same alias. Queries read it with _GetWatchlist('alias'), whose columns
// are Sentinel's: _DTItemId, LastUpdatedTimeUTC, SearchKey (the value of
// the searchKey column), then the CSV's columns as strings. A bad CSV, or
// a search key that is not one of its columns, changes nothing.
func (w *Workspace) SetWatchlist(alias, searchKey string, data []byte) error {
	if strings.TrimSpace(alias) == "" {
		return errors.New("loganalytics: a watchlist needs an alias")
	}
	rd := csv.NewReader(bytes.NewReader(data))
	header, err := rd.Read()
	if err != nil {
		return fmt.Errorf("loganalytics: watchlist %s: header: %w", alias, err)
	}
	cols := []Column{{Name: "_DTItemId", Type: "string"}, {Name: "LastUpdatedTimeUTC", Type: "datetime"}, {Name: "SearchKey", Type: "string"}}
	for _, h := range header {
		if h == "" || slices.ContainsFunc(cols, func(c Column) bool { return c.Name == h }) {
			return fmt.Errorf("loganalytics: watchlist %s: column %q is empty or repeated", alias, h)
		}
		cols = append(cols, Column{Name: h, Type: "string"})
	}
	key := slices.Index(header, searchKey)
	if key < 0 {
		return fmt.Errorf("loganalytics: watchlist %s: search key %q is not a column of %v", alias, searchKey, header)
	}
	now := w.e.Now().UTC()
	t := &table{cols: cols}
	for n := 1; ; n++ {
		rec, err := rd.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("loganalytics: watchlist %s: %w", alias, err)
		}
		vals := []any{itemID(alias, n), now, rec[key]}
		for _, v := range rec {
			vals = append(vals, v)
		}
		t.rows = append(t.rows, row{vals: vals})
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.watchlists == nil {
		w.watchlists = map[string]*table{}
	}
	w.watchlists[strings.ToLower(alias)] = t
	return nil
}

// itemID is a watchlist item's stable id, shaped as Sentinel's GUIDs.
func itemID(alias string, n int) string {
	h := sha1.Sum([]byte(fmt.Sprintf("%s/%d", alias, n)))
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// watchlistTable is what _GetWatchlist(alias) returns.
func (w *Workspace) watchlistTable(alias string) (*table, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	t, ok := w.watchlists[strings.ToLower(alias)]
	if !ok {
		return nil, qerr("_GetWatchlist: the workspace has no watchlist %q", alias)
	}
	return t, nil
}
