package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/auth"
	"github.com/honeyvault/honeyvault/internal/canary"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// honeytokensPageSize is how many decoys /honeytokens lists a page.
const honeytokensPageSize = 100

// honeytokensQuery is the decoy list's state, all of it in the URL.
type honeytokensQuery struct {
	Search string
	Type   registry.Type
	Status registry.Status
	After  int64
}

func parseHoneytokensQuery(q url.Values) (honeytokensQuery, string) {
	hq := honeytokensQuery{Search: strings.TrimSpace(q.Get("q"))}
	if len(hq.Search) > 200 {
		return hq, "q: at most 200 characters"
	}
	if v := q.Get("type"); v != "" {
		t, err := registry.ParseType(v)
		if err != nil {
			return hq, "type: want secret, key or certificate"
		}
		hq.Type = t
	}
	if v := q.Get("status"); v != "" {
		st, err := registry.ParseStatus(v)
		if err != nil {
			return hq, "status: want active, missing or retired"
		}
		hq.Status = st
	}
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return hq, "after: want a decoy id"
		}
		hq.After = n
	}
	return hq, ""
}

func (q honeytokensQuery) url(after int64) string {
	v := url.Values{}
	for k, s := range map[string]string{"q": q.Search, "type": string(q.Type), "status": string(q.Status)} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if after > 0 {
		v.Set("after", strconv.FormatInt(after, 10))
	}
	if len(v) == 0 {
		return "/honeytokens"
	}
	return "/honeytokens?" + v.Encode()
}

// honeytokensView is what /honeytokens shows.
type honeytokensView struct {
	Q               honeytokensQuery
	Types, Statuses []choice
	Rows            []decoyRow
	Next, First     string // paging links; "" when there is none
	Filtered        bool
	// ShowTouched: the principal reads incidents, so may learn that a decoy
	// was touched (owners do not; see the README).
	ShowTouched bool
	Owner       bool
}

type decoyRow struct {
	registry.Decoy
	LastTouched time.Time
	Canary      canary.Kind // "" when the value is plain
}

// honeytokensPage is GET /honeytokens: the decoys the principal may see,
// filtered and searched in the URL, with the watchlist export.
func (h *handler) honeytokensPage(w http.ResponseWriter, r *http.Request) {
	q, bad := parseHoneytokensQuery(r.URL.Query())
	if bad != "" {
		h.pageError(w, r, http.StatusBadRequest, bad)
		return
	}
	p := principalFrom(r.Context())
	f := scoped(p, store.DecoyFilter{Search: q.Search, Type: q.Type, Status: q.Status, AfterID: q.After, Limit: honeytokensPageSize})
	decoys, err := h.store.ListDecoys(r.Context(), f)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	v := honeytokensView{Q: q, Filtered: q.Search != "" || q.Type != "" || q.Status != "",
		ShowTouched: p.Allows(auth.ReadIncidents), Owner: p.Role == auth.Owner}
	for _, t := range []registry.Type{"", registry.Secret, registry.Key, registry.Certificate} {
		label := string(t)
		if t == "" {
			label = "any type"
		}
		v.Types = append(v.Types, choice{string(t), label, t == q.Type})
	}
	for _, st := range []registry.Status{"", registry.Active, registry.Missing, registry.Retired} {
		label := string(st)
		if st == "" {
			label = "any status"
		}
		v.Statuses = append(v.Statuses, choice{string(st), label, st == q.Status})
	}
	touched := map[int64]time.Time{}
	if v.ShowTouched {
		ids := make([]int64, len(decoys))
		for i, d := range decoys {
			ids[i] = d.ID
		}
		if touched, err = h.store.DecoysLastTouched(r.Context(), ids); err != nil {
			h.serverError(w, r, err)
			return
		}
	}
	kinds, err := h.canaryKinds(r.Context(), decoys)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	for _, d := range decoys {
		v.Rows = append(v.Rows, decoyRow{d, touched[d.ID], kinds[d.ID]})
	}
	if len(decoys) == honeytokensPageSize {
		v.Next = q.url(decoys[len(decoys)-1].ID)
	}
	if q.After > 0 {
		v.First = q.url(0)
	}
	h.render(w, r, http.StatusOK, "honeytokens", "Decoys", v)
}
