package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/auth"
	"github.com/honeyvault/honeyvault/internal/store"
)

// tokenForm is what the create form holds, kept to re-show it after an error.
type tokenForm struct {
	Name, Role, Scope, Expires string
}

// tokenRow is a token in the list.
type tokenRow struct {
	store.APIToken
	Status string
}

type tokensView struct {
	Error, Notice string
	Form          tokenForm
	Roles         []auth.Role
	Tokens        []tokenRow
}

// tokensPage is GET /tokens: the API tokens and a form to create one.
func (h *handler) tokensPage(w http.ResponseWriter, r *http.Request) {
	v := tokensView{Form: tokenForm{Role: string(auth.Ingest)}}
	if n := r.URL.Query().Get("revoked"); n != "" {
		if _, err := strconv.ParseInt(n, 10, 64); err == nil {
			v.Notice = "Token " + n + " is revoked."
		}
	}
	h.renderTokens(w, r, http.StatusOK, v)
}

func (h *handler) renderTokens(w http.ResponseWriter, r *http.Request, code int, v tokensView) {
	tokens, err := h.store.ListTokens(r.Context())
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	now := h.now()
	for _, t := range tokens {
		v.Tokens = append(v.Tokens, tokenRow{APIToken: t, Status: tokenStatus(t, now)})
	}
	v.Roles = auth.Roles
	h.render(w, r, code, "tokens", "API tokens", v)
}

// tokensCreate is POST /tokens: create a token and show it, once.
func (h *handler) tokensCreate(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.pageError(w, r, http.StatusRequestEntityTooLarge, "The form is too large.")
		return
	}
	f := tokenForm{Name: r.PostForm.Get("name"), Role: r.PostForm.Get("role"),
		Scope: r.PostForm.Get("scope"), Expires: r.PostForm.Get("expires")}
	tr, msg := tokenRequest(api.CreateTokenRequest{Name: f.Name, Role: f.Role, Scope: strings.Fields(f.Scope), Expires: f.Expires}, h.now())
	if msg != "" {
		h.renderTokens(w, r, http.StatusBadRequest, tokensView{Form: f, Error: msg})
		return
	}
	plain, t, err := h.issueToken(r, tr)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "token_created", "Token created", struct {
		Token, Name, Role string
		ExpiresAt         time.Time
	}{plain, t.Name, t.Role, t.ExpiresAt})
}

// tokensRevoke is POST /tokens/{id}/revoke.
func (h *handler) tokensRevoke(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		h.pageError(w, r, http.StatusNotFound, "No such token.")
		return
	}
	err = h.revoke(r, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		h.pageError(w, r, http.StatusNotFound, "No such token.")
	case errors.Is(err, store.ErrConflict):
		h.renderTokens(w, r, http.StatusConflict, tokensView{Form: tokenForm{Role: string(auth.Ingest)}, Error: "That token was already revoked."})
	case err != nil:
		h.serverError(w, r, err)
	default:
		http.Redirect(w, r, "/tokens?revoked="+strconv.FormatInt(id, 10), http.StatusSeeOther)
	}
}
