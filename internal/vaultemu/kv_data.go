package vaultemu

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strconv"
)

// read answers GET data/{p}[?version=N]: the version's data and metadata;
// 404 {"errors":[]} when there is no such version; 404 with the metadata
// and null data when it is deleted or destroyed.
func (h kvHandler) read(c *call) reply {
	want := 0
	if v, ok := c.data["version"]; ok {
		n, err := intValue(v)
		if err != nil || n < 0 {
			return errReply(http.StatusBadRequest, "invalid version "+fmt.Sprint(v))
		}
		want = n
	}
	h.m.mu.Lock()
	defer h.m.mu.Unlock()
	sec := h.m.secrets[h.path]
	if sec == nil {
		return notFound()
	}
	h.m.expireLocked(sec, h.s.Now())
	if want == 0 {
		want = sec.current
	}
	v := sec.versions[want]
	if v == nil {
		return notFound()
	}
	meta := sec.versionMetadata(want)
	if !v.deleted.IsZero() || v.destroyed {
		return reply{status: http.StatusNotFound, data: map[string]any{"data": nil, "metadata": meta}}
	}
	return ok(map[string]any{"data": cloneData(v.data), "metadata": meta})
}

// write answers POST/PUT data/{p}: a new version from "data", under the
// check-and-set rules of "options.cas".
func (h kvHandler) write(c *call) reply {
	data, ok := c.data["data"].(map[string]any)
	if !ok {
		return errReply(http.StatusBadRequest, "no data provided")
	}
	h.m.mu.Lock()
	defer h.m.mu.Unlock()
	return h.newVersionLocked(c, data)
}

// patch answers PATCH data/{p}: a JSON merge patch (RFC 7386) of the
// current version's data, written as a new version.
func (h kvHandler) patch(c *call) reply {
	if p := mergePatchRequired(c.r); p.status != 0 {
		return p
	}
	patch, ok := c.data["data"].(map[string]any)
	if !ok {
		return errReply(http.StatusBadRequest, "no data provided")
	}
	h.m.mu.Lock()
	defer h.m.mu.Unlock()
	sec := h.m.secrets[h.path]
	if sec == nil {
		return notFound()
	}
	h.m.expireLocked(sec, h.s.Now())
	cur := sec.versions[sec.current]
	if cur == nil || !cur.deleted.IsZero() || cur.destroyed {
		return notFound()
	}
	merged, _ := mergePatch(cloneData(cur.data), patch).(map[string]any)
	if merged == nil {
		merged = map[string]any{}
	}
	return h.newVersionLocked(c, merged)
}

// mergePatchRequired refuses a PATCH that is not a JSON merge patch (Vault
// answers 415).
func mergePatchRequired(r *http.Request) reply {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/merge-patch+json" {
		return errReply(http.StatusUnsupportedMediaType, "PATCH requires Content-Type application/merge-patch+json")
	}
	return reply{}
}

// mergePatch applies an RFC 7386 merge patch to target.
func mergePatch(target any, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return cloneValue(patch)
	}
	tm, ok := target.(map[string]any)
	if !ok {
		tm = map[string]any{}
	}
	for k, v := range pm {
		if v == nil {
			delete(tm, k)
			continue
		}
		tm[k] = mergePatch(tm[k], v)
	}
	return tm
}

// newVersionLocked checks options.cas, stores data as the next version and
// trims versions beyond max_versions.
func (h kvHandler) newVersionLocked(c *call, data map[string]any) reply {
	sec := h.m.secrets[h.path]
	current := 0
	if sec != nil {
		current = sec.current
	}
	opts, _ := c.data["options"].(map[string]any)
	cas, hasCAS := opts["cas"]
	if !hasCAS && (h.m.opts.CASRequired || sec != nil && sec.casRequired) {
		return errReply(http.StatusBadRequest, "check-and-set parameter required for this call")
	}
	if hasCAS {
		n, err := intValue(cas)
		if err != nil {
			return errReply(http.StatusBadRequest, "invalid check-and-set parameter: "+err.Error())
		}
		if n != current {
			return errReply(http.StatusBadRequest, "check-and-set parameter did not match the current version")
		}
	}
	now := h.s.Now()
	if sec == nil {
		sec = &kvSecret{created: now, versions: map[int]*kvVersion{}}
		h.m.secrets[h.path] = sec
	}
	sec.current++
	sec.updated = now
	sec.versions[sec.current] = &kvVersion{data: cloneData(data), created: now}
	keep := h.m.maxVersions(sec)
	for n := range sec.versions {
		if n <= sec.current-keep {
			delete(sec.versions, n)
			sec.oldest = max(sec.oldest, n+1)
		}
	}
	return ok(sec.versionMetadata(sec.current))
}

// deleteLatest answers DELETE data/{p}: a soft delete of the current
// version; 204 whether or not there was one.
func (h kvHandler) deleteLatest() reply {
	h.m.mu.Lock()
	defer h.m.mu.Unlock()
	if sec := h.m.secrets[h.path]; sec != nil {
		if v := sec.versions[sec.current]; v != nil {
			v.softDelete(h.s.Now())
			sec.updated = h.s.Now()
		}
	}
	return noContent()
}

// intValue reads an integer sent as a JSON number or a decimal string.
func intValue(v any) (int, error) {
	switch t := v.(type) {
	case json.Number:
		n, err := strconv.ParseInt(string(t), 10, 32)
		return int(n), err
	case string:
		n, err := strconv.ParseInt(t, 10, 32)
		return int(n), err
	case float64:
		if t != float64(int(t)) {
			return 0, fmt.Errorf("%v is not an integer", t)
		}
		return int(t), nil
	case int:
		return t, nil
	}
	return 0, fmt.Errorf("%v is not an integer", v)
}

func itoa(n int) string { return strconv.Itoa(n) }
