package vaultemu

import (
	"net/http"
	"time"
)

// versionsOp answers delete/, undelete/ and destroy/{p}: apply op to each
// version listed in "versions" (numbers or numeric strings; the Go client
// sends both). Every version is checked before any changes.
func (h kvHandler) versionsOp(c *call, op func(*kvVersion, time.Time)) reply {
	raw, ok := c.data["versions"].([]any)
	if !ok || len(raw) == 0 {
		return errReply(http.StatusBadRequest, "no version number provided")
	}
	nums := make([]int, 0, len(raw))
	for _, v := range raw {
		n, err := intValue(v)
		if err != nil || n <= 0 {
			return errReply(http.StatusBadRequest, "invalid version number in versions")
		}
		nums = append(nums, n)
	}
	h.m.mu.Lock()
	defer h.m.mu.Unlock()
	sec := h.m.secrets[h.path]
	if sec == nil {
		return noContent()
	}
	now := h.s.Now()
	h.m.expireLocked(sec, now)
	for _, n := range nums {
		if v := sec.versions[n]; v != nil {
			op(v, now)
		}
	}
	sec.updated = now
	return noContent()
}
