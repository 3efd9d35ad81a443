package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/notify"
)

// channelRow is a notification channel as the page shows it.
type channelRow struct {
	notify.ChannelStatus
}

func (h *handler) channelRows(r *http.Request) ([]channelRow, error) {
	if h.notify == nil {
		return nil, nil
	}
	st, err := h.notify.Status(r.Context())
	if err != nil {
		return nil, err
	}
	rows := make([]channelRow, 0, len(st))
	for _, c := range st {
		rows = append(rows, channelRow{c})
	}
	return rows, nil
}

type notificationsView struct {
	Error, Notice string
	Channels      []channelRow
	CanTest       bool
}

// settingsNotifications is GET /settings/notifications.
func (h *handler) settingsNotifications(w http.ResponseWriter, r *http.Request) {
	h.renderNotifications(w, r, http.StatusOK, notificationsView{})
}

func (h *handler) renderNotifications(w http.ResponseWriter, r *http.Request, code int, v notificationsView) {
	rows, err := h.channelRows(r)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	v.Channels, v.CanTest = rows, h.notifyTest != nil
	h.render(w, r, code, "settings_notifications", "Notifications", v)
}

// settingsNotificationsTest is POST /settings/notifications/{name}/test:
// send the test message and show how it went on the same page.
func (h *handler) settingsNotificationsTest(w http.ResponseWriter, r *http.Request) {
	res, code := h.sendTest(r, r.PathValue("name"))
	v := notificationsView{}
	switch {
	case code == http.StatusNotFound || code == http.StatusServiceUnavailable:
		v.Error = res.Error
	case res.OK:
		v.Notice = "Test message sent through " + res.Channel + " (" + res.Type + "). Check that it arrived."
	default:
		v.Error = "The test message through " + res.Channel + " (" + res.Type + ") failed: " + res.Error
	}
	if code == http.StatusOK && !res.OK {
		code = http.StatusBadGateway
	}
	h.renderNotifications(w, r, code, v)
}

// sendTestAPI is POST /api/v1/notify/channels/{name}/test: 200 with ok
// true or false and the error; 404 for no such channel.
func (h *handler) sendTestAPI(w http.ResponseWriter, r *http.Request) {
	res, code := h.sendTest(r, r.PathValue("name"))
	if code != http.StatusOK {
		h.apiError(w, r, code, res.Error)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// sendTest sends the test message through channel name and records the
// attempt, with its outcome, in the audit trail. The code is 200 when the
// attempt was made, whatever its outcome.
func (h *handler) sendTest(r *http.Request, name string) (api.ChannelTest, int) {
	if h.notifyTest == nil {
		return api.ChannelTest{Error: "notifications are not configured in this process"}, http.StatusServiceUnavailable
	}
	ch, err := h.notifyTest.SendTest(r.Context(), name)
	if errors.Is(err, notify.ErrNoChannel) {
		return api.ChannelTest{Error: "no such notification channel"}, http.StatusNotFound
	}
	res := api.ChannelTest{Channel: ch.Name, Type: ch.Type, OK: err == nil}
	detail := "sent"
	if err != nil {
		// The channel's error names it already ("webhook ops: POST
		// https://host/…: 500 ..."); the person knows which they clicked.
		res.Error = strings.TrimPrefix(err.Error(), ch.Type+" "+ch.Name+": ")
		detail = "failed: " + res.Error
	}
	h.audit(r, "notify.test", "channel:"+ch.Name, detail)
	return res, http.StatusOK
}
