package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/store"
)

// allowForm is what the add form holds, kept to show it again after an
// error.
type allowForm struct {
	Identity, Operations, VaultID, Note, Expires string
}

// allowRow is a rule on the page.
type allowRow struct {
	api.AllowRule
	Expired bool
}

type allowRulesView struct {
	Error, Notice string
	Form          allowForm
	Config        []allowRow
	Stored        []allowRow
	PlantingRules int
}

// settingsAllowRules is GET /settings/allow-rules: the config file's rules
// (read-only), the stored ones with a Remove button, and a form to add one.
func (h *handler) settingsAllowRules(w http.ResponseWriter, r *http.Request) {
	v := allowRulesView{}
	if n := r.URL.Query().Get("added"); n != "" {
		if _, err := strconv.ParseInt(n, 10, 64); err == nil {
			v.Notice = "Allow rule " + n + " is stored; detection applies it to the next record."
		}
	}
	if n := r.URL.Query().Get("removed"); n != "" {
		if _, err := strconv.ParseInt(n, 10, 64); err == nil {
			v.Notice = "Allow rule " + n + " is removed; accesses it covered raise incidents again."
		}
	}
	h.renderAllowRules(w, r, http.StatusOK, v)
}

func (h *handler) renderAllowRules(w http.ResponseWriter, r *http.Request, code int, v allowRulesView) {
	list, err := h.allowRules(r.Context())
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	now := h.now()
	for _, rule := range list.Rules {
		row := allowRow{AllowRule: rule, Expired: rule.ExpiresAt != nil && !rule.ExpiresAt.After(now)}
		if rule.Source == "config" {
			v.Config = append(v.Config, row)
		} else {
			v.Stored = append(v.Stored, row)
		}
	}
	v.PlantingRules = list.PlantingRules
	h.render(w, r, code, "settings_allow_rules", "Allow rules", v)
}

// settingsAllowRulesAdd is POST /settings/allow-rules.
func (h *handler) settingsAllowRulesAdd(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.pageError(w, r, http.StatusRequestEntityTooLarge, "The form is too large.")
		return
	}
	f := allowForm{Identity: r.PostForm.Get("identity"), Operations: r.PostForm.Get("operations"),
		VaultID: r.PostForm.Get("vault_id"), Note: r.PostForm.Get("note"), Expires: r.PostForm.Get("expires")}
	rule, msg := allowRuleFrom(api.CreateAllowRuleRequest{Identity: f.Identity, Operations: []string{f.Operations},
		VaultID: f.VaultID, Note: f.Note, Expires: f.Expires}, h.now())
	if msg != "" {
		h.renderAllowRules(w, r, http.StatusBadRequest, allowRulesView{Form: f, Error: msg})
		return
	}
	if err := h.addAllowRule(r.Context(), &rule, clientAddr(r)); err != nil {
		h.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/settings/allow-rules?added="+strconv.FormatInt(rule.ID, 10), http.StatusSeeOther)
}

// settingsAllowRulesRemove is POST /settings/allow-rules/{id}/remove.
func (h *handler) settingsAllowRulesRemove(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		h.pageError(w, r, http.StatusNotFound, "No such allow rule.")
		return
	}
	err = h.removeAllowRule(r.Context(), id, clientAddr(r))
	switch {
	case errors.Is(err, store.ErrNotFound):
		h.renderAllowRules(w, r, http.StatusNotFound, allowRulesView{Error: "No stored allow rule " + strconv.FormatInt(id, 10) + ": it may have been removed already."})
	case err != nil:
		h.serverError(w, r, err)
	default:
		http.Redirect(w, r, "/settings/allow-rules?removed="+strconv.FormatInt(id, 10), http.StatusSeeOther)
	}
}
