package vaultemu

import (
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

// timeLayout is how Vault writes times in API answers and audit entries.
const timeLayout = time.RFC3339Nano

// kvHandler serves one call on one secret path of a KV v2 mount.
type kvHandler struct {
	s    *Server
	m    *mount
	path string // under the mount, after data/ or metadata/; a folder ends in "/"
}

// dispatch picks the handler for the segment after the mount and the
// call's operation.
func (h kvHandler) dispatch(kind string) func(*call) reply {
	return func(c *call) reply {
		if kind == "config" && h.path == "" {
			return h.config(c)
		}
		if !slices.Contains(kvKinds, kind) {
			return versionedPathWarning(c.op)
		}
		if c.op != OpList && !validSecretPath(h.path) {
			return errReply(http.StatusBadRequest, "invalid secret path "+quote(h.path))
		}
		switch kind + " " + c.op {
		case "data read":
			return h.read(c)
		case "data create", "data update":
			return h.write(c)
		case "data patch":
			return h.patch(c)
		case "data delete":
			return h.deleteLatest()
		case "metadata read":
			return h.metadataRead()
		case "metadata create", "metadata update":
			return h.metadataWrite(c)
		case "metadata patch":
			return h.metadataPatch(c)
		case "metadata delete":
			return h.metadataDelete()
		case "metadata list":
			return h.list(c, false)
		case "detailed-metadata list":
			return h.list(c, true)
		case "delete update": // these paths have no existence check: always update
			return h.versionsOp(c, (*kvVersion).softDelete)
		case "undelete update":
			return h.versionsOp(c, (*kvVersion).undelete)
		case "destroy update":
			return h.versionsOp(c, (*kvVersion).destroy)
		}
		return errReply(http.StatusMethodNotAllowed, "unsupported operation")
	}
}

// versionedPathWarning is a KV v2 mount's answer to a path without data/,
// metadata/, …: KV v1's shape (`vault read secret/foo`). Vault answers
// 404 with null data and a warning naming the `vault kv` subcommand.
func versionedPathWarning(op string) reply {
	sub := map[string]string{OpCreate: "put", OpUpdate: "put", OpPatch: "patch", OpRead: "get", OpList: "list", OpDelete: "delete"}[op]
	return reply{status: http.StatusNotFound, warnings: []string{
		"Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv " + sub + "' for this operation.",
	}}
}

// kvKinds are the path segments after a KV v2 mount that name a secret.
var kvKinds = []string{"data", "metadata", "detailed-metadata", "delete", "undelete", "destroy"}

// validSecretPath accepts a non-empty path of non-empty segments, none
// "." or "..".
func validSecretPath(p string) bool {
	if p == "" || len(p) > 1024 {
		return false
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

// has reports whether the mount holds metadata at p (the existence check
// that makes a first write "create").
func (m *mount) has(p string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.secrets[p]
	return ok
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

// customJSON renders custom_metadata: null when there is none, as Vault.
func customJSON(c map[string]string) any {
	if len(c) == 0 {
		return nil
	}
	out := make(map[string]any, len(c))
	for k, v := range c {
		out[k] = v
	}
	return out
}

// versionMetadata is the version's metadata as data writes and reads
// return it.
func (sec *kvSecret) versionMetadata(n int) map[string]any {
	v := sec.versions[n]
	return map[string]any{
		"created_time":    formatTime(v.created),
		"custom_metadata": customJSON(sec.custom),
		"deletion_time":   formatTime(v.deleted),
		"destroyed":       v.destroyed,
		"version":         n,
	}
}

// fullMetadata is the metadata endpoint's answer for the secret.
func (sec *kvSecret) fullMetadata() map[string]any {
	versions := map[string]any{}
	for n, v := range sec.versions {
		versions[itoa(n)] = map[string]any{
			"created_time":  formatTime(v.created),
			"deletion_time": formatTime(v.deleted),
			"destroyed":     v.destroyed,
		}
	}
	return map[string]any{
		"cas_required":         sec.casRequired,
		"created_time":         formatTime(sec.created),
		"current_version":      sec.current,
		"custom_metadata":      customJSON(sec.custom),
		"delete_version_after": sec.deleteVersionAfter.String(),
		"max_versions":         sec.maxVersions,
		"oldest_version":       sec.oldest,
		"updated_time":         formatTime(sec.updated),
		"versions":             versions,
	}
}

func (v *kvVersion) softDelete(now time.Time) {
	if v.deleted.IsZero() && !v.destroyed {
		v.deleted = now
	}
}

func (v *kvVersion) undelete(time.Time) {
	if !v.destroyed {
		v.deleted = time.Time{}
	}
}

func (v *kvVersion) destroy(time.Time) {
	v.destroyed, v.data = true, nil
}

// cloneData deep-copies secret data so a caller's map never aliases the
// store.
func cloneData(d map[string]any) map[string]any {
	if d == nil {
		return nil
	}
	out := make(map[string]any, len(d))
	for k, v := range d {
		out[k] = cloneValue(v)
	}
	return out
}

func cloneValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		return cloneData(t)
	case []any:
		l := make([]any, len(t))
		for i, e := range t {
			l[i] = cloneValue(e)
		}
		return l
	case map[string]string:
		return maps.Clone(t)
	}
	return v
}
