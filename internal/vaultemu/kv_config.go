package vaultemu

import (
	"net/http"
)

// config answers {mount}/config: GET shows the mount's max_versions,
// cas_required and delete_version_after; POST/PUT sets those sent.
func (h kvHandler) config(c *call) reply {
	switch c.op {
	case OpRead:
		h.m.mu.Lock()
		defer h.m.mu.Unlock()
		return ok(map[string]any{
			"cas_required":         h.m.opts.CASRequired,
			"delete_version_after": h.m.opts.DeleteVersionAfter.String(),
			"max_versions":         h.m.opts.MaxVersions,
		})
	case OpCreate, OpUpdate:
		st, err := parseMetadataSettings(c.data)
		if err != nil {
			return errReply(http.StatusBadRequest, err.Error())
		}
		if st.customSent {
			return errReply(http.StatusBadRequest, "custom_metadata is set per secret, not on the mount's config")
		}
		h.m.mu.Lock()
		defer h.m.mu.Unlock()
		if st.maxVersions != nil {
			h.m.opts.MaxVersions = *st.maxVersions
		}
		if st.casRequired != nil {
			h.m.opts.CASRequired = *st.casRequired
		}
		if st.deleteVersionAfter != nil {
			h.m.opts.DeleteVersionAfter = *st.deleteVersionAfter
		}
		return noContent()
	}
	return errReply(http.StatusMethodNotAllowed, "unsupported operation")
}
