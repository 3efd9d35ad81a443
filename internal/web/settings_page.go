package web

import (
	"context"
	"net/http"
	"strconv"

	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/notify"
)

// NotifyTester sends the test message through one notification channel;
// *notify.Worker is one. It answers an error wrapping notify.ErrNoChannel
// for a name that is not configured, and otherwise the channel's own error
// (which never carries the channel's secret: see notify.RedactURL).
type NotifyTester interface {
	SendTest(ctx context.Context, name string) (notify.Channel, error)
}

// settingsConfig is the part of the configuration the settings pages show,
// read-only: the file is the source of truth for both.
type settingsConfig struct {
	Allow []config.Allow
	Plant *config.Plant // nil: this process has no planting settings to show
}

func (h *handler) setupSettings(o Options) {
	h.notifyTest = o.NotifyTest
	h.settings = settingsConfig{Allow: o.AllowConfig, Plant: o.Plant}
}

// settingsSection is an entry of the settings overview.
type settingsSection struct {
	Path, Title, About string
	Status             string // a one-line state ("2 sources, 1 failing"); "" for none
	Warn               bool   // the state needs attention
}

// settingsPage is GET /settings: one line per settings page, with the state
// that needs attention first in words.
func (h *handler) settingsPage(w http.ResponseWriter, r *http.Request) {
	src := h.sourceRows()
	failing := 0
	for _, s := range src {
		if s.Warn {
			failing++
		}
	}
	sections := []settingsSection{
		{Path: "/settings/sources", Title: "Sources", About: "Where audit records come from, and whether they still arrive.",
			Status: countWords(len(src), "live source", "live sources") + failingWords(failing), Warn: failing > 0},
		{Path: "/settings/notifications", Title: "Notifications", About: "Where incidents are sent; send a test message to each."},
		{Path: "/settings/allow-rules", Title: "Allow rules", About: "Identities whose accesses to decoys raise no incident."},
		{Path: "/settings/planting", Title: "Planting", About: "What decoys are planted where: types, keywords, probability, limits."},
		{Path: "/tokens", Title: "API tokens", About: "Tokens for scripts, ingestion and vault owners."},
		{Path: "/audit", Title: "Audit trail", About: "Who changed what in honeyvault, and when."},
		{Path: "/cluster", Title: "Cluster", About: "The replicas sharing the database, what each runs and is behind, and who holds which lease."},
	}
	if chs, err := h.channelRows(r); err == nil {
		bad := 0
		for _, c := range chs {
			if !c.Healthy {
				bad++
			}
		}
		sections[1].Status, sections[1].Warn = countWords(len(chs), "channel", "channels")+failingWords(bad), bad > 0
	} else {
		h.log.Warn("settings: notification status", "err", err)
	}
	if rules, err := h.allowRules(r.Context()); err == nil {
		sections[2].Status = countWords(len(rules.Rules), "rule", "rules")
	} else {
		h.serverError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "settings", "Settings", struct{ Sections []settingsSection }{sections})
}

// countWords is "no sources", "1 source", "3 sources".
func countWords(n int, one, many string) string {
	switch n {
	case 0:
		return "no " + many
	case 1:
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func failingWords(n int) string {
	if n == 0 {
		return ""
	}
	return ", " + strconv.Itoa(n) + " failing"
}
