package web

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/store"
)

// auditFilter reads ?actor= ?action= ?since= ?until= ?before= ?limit=; a bad
// value is a message naming the parameter.
func auditFilter(r *http.Request, defaultLimit int) (store.AuditFilter, string) {
	q := r.URL.Query()
	f := store.AuditFilter{Actor: strings.TrimSpace(q.Get("actor")), Action: strings.TrimSpace(q.Get("action")), Limit: defaultLimit}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if v := q.Get(p.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return f, p.name + ": want an RFC 3339 time like 2026-11-20T08:00:00Z"
			}
			*p.dst = t
		}
	}
	if v := q.Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return f, "before: want an audit entry id"
		}
		f.BeforeID = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPage {
			return f, "limit: want 1 to " + strconv.Itoa(maxPage)
		}
		f.Limit = n
	}
	return f, ""
}

// listAudit is GET /api/v1/audit: the audit trail, newest first a page at a
// time (?before=ID; next_before is set when there may be more), or with
// ?format=csv or ?format=jsonl the whole selection, oldest first, as a
// download.
func (h *handler) listAudit(w http.ResponseWriter, r *http.Request) {
	format := r.URL.Query().Get("format")
	limit := 100
	if format == "csv" || format == "jsonl" {
		limit = 0 // exports are complete unless ?limit= says otherwise
	}
	f, bad := auditFilter(r, limit)
	if bad != "" {
		h.apiError(w, r, http.StatusBadRequest, bad)
		return
	}
	switch format {
	case "", "json":
		entries, err := h.store.ListAudit(r.Context(), f)
		if err != nil {
			h.serverError(w, r, err)
			return
		}
		out := api.AuditList{Entries: make([]api.AuditEntry, 0, len(entries))}
		for _, e := range entries {
			out.Entries = append(out.Entries, apiAuditEntry(e))
		}
		if len(entries) == f.Limit {
			out.NextBefore = entries[len(entries)-1].ID
		}
		writeJSON(w, http.StatusOK, out)
	case "csv", "jsonl":
		h.exportAudit(w, r, f, format)
	default:
		h.apiError(w, r, http.StatusBadRequest, "format: want json, csv or jsonl")
	}
}

// exportAudit streams the selection without holding it in memory. Once
// streaming has begun an error can only cut the download short; it is logged.
func (h *handler) exportAudit(w http.ResponseWriter, r *http.Request, f store.AuditFilter, format string) {
	name := "honeyvault-audit-" + h.now().Format("20060102-150405") + "." + format
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	} else {
		w.Header().Set("Content-Type", "application/x-ndjson")
	}
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	bw := bufio.NewWriter(w)
	var write func(store.AuditEntry) error
	if format == "csv" {
		cw := csv.NewWriter(bw)
		cw.Write([]string{"id", "time", "actor", "action", "target", "detail", "remote_addr"})
		write = func(e store.AuditEntry) error {
			cw.Write([]string{strconv.FormatInt(e.ID, 10), e.Time.Format(time.RFC3339Nano),
				csvSafe(e.Actor), csvSafe(e.Action), csvSafe(e.Target), csvSafe(e.Detail), csvSafe(e.RemoteAddr)})
			return cw.Error()
		}
		defer cw.Flush()
	} else {
		enc := json.NewEncoder(bw)
		write = func(e store.AuditEntry) error { return enc.Encode(apiAuditEntry(e)) }
	}
	defer bw.Flush()
	if err := h.store.EachAudit(r.Context(), f, write); err != nil {
		h.log.Error("audit export cut short", "err", err)
	}
}

// csvSafe keeps a spreadsheet from running a cell as a formula: values come
// from people and identity providers, so a name like =HYPERLINK(...) must
// stay text (OWASP "CSV injection").
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
