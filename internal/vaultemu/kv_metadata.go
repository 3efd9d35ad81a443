package vaultemu

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Vault's limits on custom_metadata.
const (
	maxCustomKeys     = 64
	maxCustomKeyLen   = 128
	maxCustomValueLen = 512
)

func (h kvHandler) metadataRead() reply {
	h.m.mu.Lock()
	defer h.m.mu.Unlock()
	sec := h.m.secrets[h.path]
	if sec == nil {
		return notFound()
	}
	h.m.expireLocked(sec, h.s.Now())
	return ok(sec.fullMetadata())
}

// metadataSettings are the fields a metadata write may set; a nil field
// was not sent and keeps its value.
type metadataSettings struct {
	maxVersions        *int
	casRequired        *bool
	deleteVersionAfter *time.Duration
	custom             map[string]string
	customSent         bool
}

// parseMetadataSettings validates every field before anything changes.
func parseMetadataSettings(d map[string]any) (metadataSettings, error) {
	var st metadataSettings
	if v, ok := d["max_versions"]; ok && v != nil {
		n, err := intValue(v)
		if err != nil || n < 0 {
			return st, fmt.Errorf("max_versions must be a non-negative integer")
		}
		st.maxVersions = &n
	}
	if v, ok := d["cas_required"]; ok && v != nil {
		b, err := boolValue(v)
		if err != nil {
			return st, fmt.Errorf("cas_required: %w", err)
		}
		st.casRequired = &b
	}
	if v, ok := d["delete_version_after"]; ok && v != nil {
		dur, err := durationValue(v)
		if err != nil || dur < 0 {
			return st, fmt.Errorf("delete_version_after must be a non-negative duration")
		}
		st.deleteVersionAfter = &dur
	}
	if v, ok := d["custom_metadata"]; ok {
		st.customSent = true
		if v != nil {
			m, ok := v.(map[string]any)
			if !ok {
				return st, fmt.Errorf("custom_metadata must be an object of strings")
			}
			st.custom = map[string]string{}
			for k, e := range m {
				if e == nil { // a merge patch's deletion; checked by the caller
					continue
				}
				s, ok := e.(string)
				if !ok {
					return st, fmt.Errorf("custom_metadata value of %q must be a string", k)
				}
				st.custom[k] = s
			}
		}
	}
	return st, nil
}

// checkCustom applies Vault's limits to the custom metadata a write would
// leave.
func checkCustom(c map[string]string) error {
	if len(c) > maxCustomKeys {
		return fmt.Errorf("custom_metadata may hold at most %d keys", maxCustomKeys)
	}
	for k, v := range c {
		if k == "" || len(k) > maxCustomKeyLen {
			return fmt.Errorf("custom_metadata keys must be 1 to %d bytes", maxCustomKeyLen)
		}
		if len(v) > maxCustomValueLen {
			return fmt.Errorf("custom_metadata value of %q is longer than %d bytes", k, maxCustomValueLen)
		}
	}
	return nil
}

func (st metadataSettings) applyLocked(sec *kvSecret) {
	if st.maxVersions != nil {
		sec.maxVersions = *st.maxVersions
	}
	if st.casRequired != nil {
		sec.casRequired = *st.casRequired
	}
	if st.deleteVersionAfter != nil {
		sec.deleteVersionAfter = *st.deleteVersionAfter
	}
}

// metadataWrite answers POST/PUT metadata/{p}: sets the fields sent,
// creating the metadata when the secret has none yet.
func (h kvHandler) metadataWrite(c *call) reply {
	st, err := parseMetadataSettings(c.data)
	if err == nil && st.customSent {
		err = checkCustom(st.custom)
	}
	if m, _ := c.data["custom_metadata"].(map[string]any); err == nil && len(m) != len(st.custom) {
		err = fmt.Errorf("custom_metadata values must be strings (null deletes a key only in a PATCH)")
	}
	if err != nil {
		return errReply(http.StatusBadRequest, err.Error())
	}
	h.m.mu.Lock()
	defer h.m.mu.Unlock()
	now := h.s.Now()
	sec := h.m.secrets[h.path]
	if sec == nil {
		sec = &kvSecret{created: now, versions: map[int]*kvVersion{}}
		h.m.secrets[h.path] = sec
	}
	st.applyLocked(sec)
	if st.customSent {
		sec.custom = st.custom
	}
	sec.updated = now
	return noContent()
}

// metadataPatch answers PATCH metadata/{p}: a merge patch of the settings
// (custom_metadata merged key by key, null deleting).
func (h kvHandler) metadataPatch(c *call) reply {
	if p := mergePatchRequired(c.r); p.status != 0 {
		return p
	}
	st, err := parseMetadataSettings(c.data)
	if err != nil {
		return errReply(http.StatusBadRequest, err.Error())
	}
	h.m.mu.Lock()
	defer h.m.mu.Unlock()
	sec := h.m.secrets[h.path]
	if sec == nil {
		return notFound()
	}
	custom := sec.custom
	if st.customSent {
		patch, _ := c.data["custom_metadata"].(map[string]any)
		merged := map[string]string{}
		if patch != nil { // null resets custom_metadata
			for k, v := range sec.custom {
				merged[k] = v
			}
			for k, v := range patch {
				if v == nil {
					delete(merged, k)
				} else {
					merged[k] = st.custom[k]
				}
			}
		}
		if err := checkCustom(merged); err != nil {
			return errReply(http.StatusBadRequest, err.Error())
		}
		custom = merged
	}
	st.applyLocked(sec)
	sec.custom = custom
	sec.updated = h.s.Now()
	return noContent()
}

// metadataDelete answers DELETE metadata/{p}: every version and the
// metadata, for good.
func (h kvHandler) metadataDelete() reply {
	h.m.mu.Lock()
	defer h.m.mu.Unlock()
	delete(h.m.secrets, h.path)
	return noContent()
}

// list answers LIST metadata/{dir} (and OpenBao's detailed-metadata/):
// the keys one level below dir, folders with a trailing slash; OpenBao's
// "after" and "limit" page through them.
func (h kvHandler) list(c *call, detailed bool) reply {
	after, _ := c.data["after"].(string)
	limit := 0
	if v, ok := c.data["limit"]; ok {
		n, err := intValue(v)
		if err != nil || n < 0 {
			return errReply(http.StatusBadRequest, "limit must be a non-negative integer")
		}
		limit = n
	}
	dir := h.path
	if dir != "" && !strings.HasSuffix(dir, "/") {
		dir += "/"
	}
	h.m.mu.Lock()
	defer h.m.mu.Unlock()
	var keys []string
	info := map[string]any{}
	for p, sec := range h.m.secrets {
		rest, ok := strings.CutPrefix(p, dir)
		if !ok {
			continue
		}
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			keys = append(keys, rest[:i+1])
			continue
		}
		keys = append(keys, rest)
		if detailed {
			h.m.expireLocked(sec, h.s.Now())
			info[rest] = sec.fullMetadata()
		}
	}
	if len(keys) == 0 {
		return notFound()
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	if after != "" {
		i, _ := slices.BinarySearch(keys, after)
		if i < len(keys) && keys[i] == after {
			i++
		}
		keys = keys[i:]
	}
	if limit > 0 && len(keys) > limit {
		keys = keys[:limit]
	}
	if len(keys) == 0 {
		return notFound()
	}
	for k := range info {
		if !slices.Contains(keys, k) {
			delete(info, k)
		}
	}
	list := make([]any, len(keys))
	for i, k := range keys {
		list[i] = k
	}
	data := map[string]any{"keys": list}
	if detailed {
		data["key_info"] = info
	}
	return ok(data)
}

func boolValue(v any) (bool, error) {
	switch t := v.(type) {
	case bool:
		return t, nil
	case string:
		switch strings.ToLower(t) {
		case "true", "1":
			return true, nil
		case "false", "0", "":
			return false, nil
		}
	}
	return false, fmt.Errorf("%v is not a boolean", v)
}

// durationValue reads a Go duration string ("3h25m19s") or a number of
// seconds, as Vault's duration fields accept.
func durationValue(v any) (time.Duration, error) {
	switch t := v.(type) {
	case json.Number:
		n, err := t.Int64()
		return time.Duration(n) * time.Second, err
	case string:
		if n, err := intValue(t); err == nil {
			return time.Duration(n) * time.Second, nil
		}
		return time.ParseDuration(t)
	}
	return 0, fmt.Errorf("%v is not a duration", v)
}
