package web

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/auth"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// operationRE is an operation name (SecretGet) or class (read,
// list-versions): what an allow rule may be limited to.
var operationRE = regexp.MustCompile(`^[A-Za-z][A-Za-z-]{1,63}$`)

// allowRuleFrom turns what a person typed (the console's form or the API's
// body) into a rule to store, or says in words what is wrong with it.
func allowRuleFrom(req api.CreateAllowRuleRequest, now time.Time) (store.AllowRule, string) {
	id := strings.TrimSpace(req.Identity)
	switch {
	case id == "":
		return store.AllowRule{}, "identity: required — the object id, application id or UPN whose accesses should not alert"
	case len(id) > 256 || !utf8.ValidString(id) || strings.ContainsAny(id, "\x00\r\n\t"):
		return store.AllowRule{}, "identity: want an object id, application id or UPN (one line, at most 256 characters)"
	}
	r := store.AllowRule{Identity: id}
	for _, op := range req.Operations {
		for _, o := range strings.FieldsFunc(op, func(c rune) bool { return c == ',' || c == ' ' || c == '\n' || c == '\r' || c == '\t' }) {
			if !operationRE.MatchString(o) {
				return store.AllowRule{}, "operations: " + quoteShort(o) + " is not an operation name (SecretGet) or class (read, write, delete)"
			}
			r.Operations = append(r.Operations, o)
		}
	}
	if v := strings.TrimSpace(req.VaultID); v != "" {
		if _, err := registry.VaultNameFromID(v); err != nil {
			return store.AllowRule{}, "vault: want a vault's resource id, /subscriptions/{id}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{name}, or nothing for any vault"
		}
		r.VaultID = v
	}
	if n := strings.TrimSpace(req.Note); len(n) > 500 || !utf8.ValidString(n) {
		return store.AllowRule{}, "reason: at most 500 characters of text"
	} else {
		r.Note = n
	}
	exp, err := auth.ParseExpiry(req.Expires, now)
	if err != nil {
		return store.AllowRule{}, "expires: " + trimAuth(err.Error())
	}
	r.Expires = exp
	return r, ""
}

// quoteShort quotes what a person typed for an error message, cut short.
func quoteShort(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return `"` + strings.ToValidUTF8(s, "?") + `"`
}

// allowRules is what the settings page and GET /api/v1/allow-rules show:
// the config file's rules, then the stored rules people added; planting's
// own rules (one per decoy, scoped to it) are only counted.
func (h *handler) allowRules(ctx context.Context) (api.AllowRuleList, error) {
	out := api.AllowRuleList{Rules: []api.AllowRule{}}
	for _, c := range h.settings.Allow {
		out.Rules = append(out.Rules, api.AllowRule{Source: "config", Identity: c.Identity, Operations: nonNil(c.Operations),
			Note: c.Note, ExpiresAt: optTime(c.Expires)})
	}
	stored, err := h.store.AllowRules(ctx, time.Time{})
	if err != nil {
		return out, err
	}
	for _, r := range stored {
		if r.DecoyID != 0 {
			out.PlantingRules++
			continue
		}
		out.Rules = append(out.Rules, api.AllowRule{ID: r.ID, Source: "stored", Identity: r.Identity, Operations: nonNil(r.Operations),
			VaultID: r.VaultID, Note: r.Note, CreatedBy: r.CreatedBy, CreatedAt: optTime(r.CreatedAt), ExpiresAt: optTime(r.Expires)})
	}
	return out, nil
}

// addAllowRule stores r for the request's principal; the store records it
// in the audit trail in the same transaction.
func (h *handler) addAllowRule(ctx context.Context, r *store.AllowRule, client string) error {
	return h.store.AddAllowRule(ctx, r, store.AuditEntry{Actor: principalFrom(ctx).Actor(), RemoteAddr: client})
}

// removeAllowRule deletes stored rule id for the request's principal,
// audited likewise. Planting's own rules are not removed here: they go with
// their decoy.
func (h *handler) removeAllowRule(ctx context.Context, id int64, client string) error {
	rules, err := h.store.AllowRules(ctx, time.Time{})
	if err != nil {
		return err
	}
	for _, r := range rules {
		if r.ID == id && r.DecoyID != 0 {
			return store.ErrNotFound
		}
	}
	return h.store.DeleteAllowRule(ctx, id, store.AuditEntry{Actor: principalFrom(ctx).Actor(), RemoteAddr: client})
}
