package web

import (
	"context"
	"net/http"

	"github.com/honeyvault/honeyvault/internal/notify"
)

// NotifyStatus reports the notification channels' health;
// *notify.Worker is one.
type NotifyStatus interface {
	Status(ctx context.Context) ([]notify.ChannelStatus, error)
}

// listChannels is GET /api/v1/notify/channels: each channel's health and
// backlog, so that the console can show a channel that keeps failing.
func (h *handler) listChannels(w http.ResponseWriter, r *http.Request) {
	if h.notify == nil {
		writeJSON(w, http.StatusOK, map[string]any{"channels": []notify.ChannelStatus{}})
		return
	}
	st, err := h.notify.Status(r.Context())
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"channels": st})
}
