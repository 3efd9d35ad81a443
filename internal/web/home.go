package web

import "net/http"

// home is GET /: who you are and where you may go.
func (h *handler) home(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "home", "Home", nil)
}
