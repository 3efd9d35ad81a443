package web

import (
	"net/http"
	"strconv"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

const maxPage = 1000

// decoyFilter reads the list filters of /api/v1/honeytokens; a bad value is a
// 400 naming the parameter.
func decoyFilter(r *http.Request) (store.DecoyFilter, string) {
	q := r.URL.Query()
	f := store.DecoyFilter{VaultID: q.Get("vault_id"), Limit: maxPage}
	if v := q.Get("status"); v != "" {
		st, err := registry.ParseStatus(v)
		if err != nil {
			return f, "status: want active, missing or retired"
		}
		f.Status = st
	}
	if v := q.Get("type"); v != "" {
		t, err := registry.ParseType(v)
		if err != nil {
			return f, "type: want secret, key or certificate"
		}
		f.Type = t
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPage {
			return f, "limit: want 1 to " + strconv.Itoa(maxPage)
		}
		f.Limit = n
	}
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return f, "after: want a decoy id"
		}
		f.AfterID = n
	}
	return f, ""
}

// listHoneytokens is GET /api/v1/honeytokens: the registry, a page at a time
// (?limit=, ?after=ID; next_after is set when there may be more).
func (h *handler) listHoneytokens(w http.ResponseWriter, r *http.Request) {
	f, bad := decoyFilter(r)
	if bad != "" {
		h.apiError(w, r, http.StatusBadRequest, bad)
		return
	}
	p := principalFrom(r.Context())
	if f.VaultID != "" && !p.CanSeeVault(f.VaultID) {
		h.apiError(w, r, http.StatusNotFound, "no such vault in your scope")
		return
	}
	decoys, err := h.store.ListDecoys(r.Context(), scoped(p, f))
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	kinds, err := h.canaryKinds(r.Context(), decoys)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	out := api.HoneytokenList{Honeytokens: make([]api.Honeytoken, 0, len(decoys))}
	for _, d := range decoys {
		out.Honeytokens = append(out.Honeytokens, apiHoneytoken(d, kinds[d.ID]))
	}
	if len(decoys) == f.Limit {
		out.NextAfter = decoys[len(decoys)-1].ID
	}
	writeJSON(w, http.StatusOK, out)
}

// exportWatchlist is GET /api/v1/honeytokens/watchlist.csv: the active decoys
// as Sentinel's HoneyTokens watchlist.
func (h *handler) exportWatchlist(w http.ResponseWriter, r *http.Request) {
	decoys, err := h.store.ListDecoys(r.Context(), scoped(principalFrom(r.Context()), store.DecoyFilter{Status: registry.Active}))
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="HoneyTokens.csv"`)
	if err := registry.WriteWatchlist(w, decoys); err != nil {
		h.log.Error("watchlist export failed", "err", err)
	}
}
