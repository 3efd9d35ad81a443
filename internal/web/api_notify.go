package web

import (
	"context"
	"net/http"

	"github.com/honeyvault/honeyvault/internal/api"
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
	out := api.ChannelList{Channels: []api.Channel{}}
	if h.notify == nil {
		writeJSON(w, http.StatusOK, out)
		return
	}
	st, err := h.notify.Status(r.Context())
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	for _, c := range st {
		out.Channels = append(out.Channels, apiChannel(c))
	}
	writeJSON(w, http.StatusOK, out)
}
