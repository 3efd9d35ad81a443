package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/coverage"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// listVaults is GET /api/v1/vaults: the vaults of the inventory the caller
// may see, with their coverage, filtered (subscription=, state=, q=) and a
// page at a time in id order (limit=, after=ID; next_after is set when
// there may be more). The counts cover every vault the caller may see.
func (h *handler) listVaults(w http.ResponseWriter, r *http.Request) {
	vq, bad := readVaultQuery(r)
	limit := maxPage
	if v := r.URL.Query().Get("limit"); v != "" && bad == "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPage {
			bad = "limit: want 1 to " + strconv.Itoa(maxPage)
		}
		limit = n
	}
	if bad != "" {
		h.apiError(w, r, http.StatusBadRequest, bad)
		return
	}
	p := principalFrom(r.Context())
	all, total, perSub, err := h.estateCoverage(r.Context(), p)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	out := api.VaultList{Vaults: []api.Vault{}, Coverage: apiCount(total), Subscriptions: []api.SubscriptionCoverage{}}
	for _, s := range perSub {
		out.Subscriptions = append(out.Subscriptions, api.SubscriptionCoverage{
			ID: s.ID, Name: s.DisplayName, ListedAt: optTime(s.ListedAt), Error: s.Error, Coverage: apiCount(s.Count)})
	}
	after := registry.VaultKey(vq.After)
	for _, a := range all {
		if !vq.match(a) || (after != "" && a.Key() <= after) {
			continue
		}
		if len(out.Vaults) == limit {
			out.NextAfter = out.Vaults[len(out.Vaults)-1].ID
			break
		}
		out.Vaults = append(out.Vaults, apiVault(h.explained(a)))
	}
	writeJSON(w, http.StatusOK, out)
}

// vaultIDFromPath reads the vault id of /.../vaults/{id...}: its ARM id,
// with or without the leading slash, escaped or not; or another
// provider's store id (vault://{cluster}/{mount}, whose "//" the router
// may have cleaned to one slash, or a Secrets Manager ARN).
func vaultIDFromPath(r *http.Request) (string, bool) {
	id := r.PathValue("id")
	switch {
	case strings.HasPrefix(id, "vault:/") && !strings.HasPrefix(id, "vault://"):
		id = "vault://" + id[len("vault:/"):]
	case strings.HasPrefix(id, "vault://"), strings.HasPrefix(id, "arn:"):
	case !strings.HasPrefix(id, "/"):
		id = "/" + id
	}
	if _, err := registry.VaultNameFromID(id); err != nil {
		return "", false
	}
	return id, true
}

// getVault is GET /api/v1/vaults/{id}: one vault (its ARM id as the path),
// its coverage and its decoys. A vault outside the caller's scope is not
// found, as one that does not exist.
func (h *handler) getVault(w http.ResponseWriter, r *http.Request) {
	id, ok := vaultIDFromPath(r)
	if !ok {
		h.apiError(w, r, http.StatusBadRequest, "id: want a key vault's ARM id (/subscriptions/S/resourceGroups/RG/providers/Microsoft.KeyVault/vaults/NAME), vault://CLUSTER/MOUNT or arn:aws:secretsmanager:REGION:ACCOUNT")
		return
	}
	a, decoys, err := h.assessVault(r, id)
	if errors.Is(err, store.ErrNotFound) {
		h.apiError(w, r, http.StatusNotFound, "no such vault in your scope")
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	kinds, err := h.canaryKinds(r.Context(), decoys)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	out := api.VaultDetail{Vault: apiVault(a), Honeytokens: make([]api.Honeytoken, 0, len(decoys))}
	for _, d := range decoys {
		out.Honeytokens = append(out.Honeytokens, apiHoneytoken(d, kinds[d.ID]))
	}
	writeJSON(w, http.StatusOK, out)
}

// assessVault is one vault of the caller's scope, gone or not, assessed,
// and its decoys; store.ErrNotFound when it is unknown or outside the
// scope.
func (h *handler) assessVault(r *http.Request, id string) (assessed, []registry.Decoy, error) {
	p := principalFrom(r.Context())
	if !p.CanSeeVault(id) {
		return assessed{}, nil, store.ErrNotFound
	}
	v, err := h.store.GetVault(r.Context(), id)
	if err != nil {
		return assessed{}, nil, err
	}
	findings, err := h.store.OpenFindingsByVault(r.Context(), store.VaultFilter{Scope: &store.VaultScope{Vaults: []string{v.ID}}})
	if err != nil {
		return assessed{}, nil, err
	}
	decoys, err := h.store.ListDecoys(r.Context(), scoped(p, store.DecoyFilter{VaultID: v.ID}))
	if err != nil {
		return assessed{}, nil, err
	}
	facts := coverage.Facts{Decoys: coverage.CountDecoys(decoys), LastRecord: v.LastRecord, PlantingBlocked: v.PlantingBlocked, Gone: !v.GoneAt.IsZero(),
		Provider: registry.ProviderOf(v.ID)}
	for _, fd := range findings {
		facts.Findings = append(facts.Findings, coverage.Finding{Type: fd.Type, Kind: string(fd.Kind)})
	}
	gaps, err := h.gapsByVault(r.Context())
	if err != nil {
		return assessed{}, nil, err
	}
	facts.HeartbeatMissed = gaps[v.Key()]
	var path *store.AuditPath
	switch ap, err := h.store.GetAuditPath(r.Context(), v.ID); {
	case err == nil:
		path, facts.AuditPath = &ap, auditPathDoubt(ap)
	case !errors.Is(err, store.ErrNotFound):
		return assessed{}, nil, err
	}
	return assessed{Vault: v, Coverage: coverage.Assess(h.coverage, h.now(), facts), AuditPath: path}, decoys, nil
}
