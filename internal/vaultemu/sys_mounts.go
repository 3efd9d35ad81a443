package vaultemu

import (
	"fmt"
	"net/http"
	"strings"
)

// mountInfo is a mount as sys/mounts and sys/internal/ui/mounts show it.
func (m *mount) info() map[string]any {
	return map[string]any{
		"accessor":                m.accessor,
		"config":                  map[string]any{"default_lease_ttl": 0, "force_no_cache": false, "max_lease_ttl": 0},
		"description":             m.opts.Description,
		"external_entropy_access": false,
		"local":                   false,
		"options":                 map[string]any{"version": "2"},
		"plugin_version":          "",
		"running_plugin_version":  "v0.25.0+builtin",
		"seal_wrap":               false,
		"type":                    "kv",
		"uuid":                    m.uuid,
	}
}

// listMounts answers GET sys/mounts: every KV mount (type kv, options
// version 2) and the built-in ones, at the top level and under data, as
// Vault repeats them.
func (s *Server) listMounts(*call) reply {
	data := map[string]any{
		"sys/":       builtinMount("system", sysAccessor, "system endpoints used for control, policy and debugging"),
		"cubbyhole/": builtinMount("cubbyhole", "cubbyhole_0b8f2a41", "per-token private secret storage"),
		"identity/":  builtinMount("identity", "identity_5c7e1d90", "identity store"),
	}
	s.mu.Lock()
	for p, m := range s.mounts {
		data[p] = m.info()
	}
	s.mu.Unlock()
	top := map[string]any{}
	for k, v := range data {
		top[k] = v
	}
	return reply{status: http.StatusOK, data: data, top: top}
}

func builtinMount(typ, accessor, desc string) map[string]any {
	return map[string]any{
		"accessor": accessor, "config": map[string]any{"default_lease_ttl": 0, "force_no_cache": false, "max_lease_ttl": 0},
		"description": desc, "external_entropy_access": false, "local": typ == "cubbyhole", "options": nil,
		"seal_wrap": false, "type": typ, "uuid": newUUID(),
	}
}

// uiMount answers GET sys/internal/ui/mounts/{path}, which `vault kv`
// asks first to learn a path's mount and KV version.
func (s *Server) uiMount(path string) reply {
	m, _ := s.mountFor(strings.TrimSuffix(path, "/"))
	if m == nil {
		return errReply(http.StatusBadRequest, "cannot find mount for path "+quote(path))
	}
	d := m.info()
	d["path"] = m.path
	return ok(d)
}

// RemoveMount disables the KV mount at path and forgets its secrets.
func (s *Server) RemoveMount(path string) error {
	if !strings.HasSuffix(path, "/") {
		path += "/"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, found := s.mounts[path]; !found {
		return fmt.Errorf("vaultemu: no mount at %q", path)
	}
	delete(s.mounts, path)
	return nil
}

// enableMountCall answers POST sys/mounts/{path} {"type","description",
// "options":{"version"},"config"}: only KV version 2 is emulated.
func (s *Server) enableMountCall(path string, data map[string]any) reply {
	typ, _ := data["type"].(string)
	opts, _ := data["options"].(map[string]any)
	version, _ := opts["version"].(string)
	if !(typ == "kv" && version == "2" || typ == "kv-v2") {
		return errReply(http.StatusBadRequest, "only the kv secrets engine at version 2 is emulated")
	}
	desc, _ := data["description"].(string)
	if err := s.AddMount(path, MountOptions{Description: desc}); err != nil {
		return errReply(http.StatusBadRequest, strings.TrimPrefix(err.Error(), "vaultemu: "))
	}
	return noContent()
}

// disableMountCall answers DELETE sys/mounts/{path}; like Vault it
// answers 204 when nothing was mounted there.
func (s *Server) disableMountCall(path string) reply {
	_ = s.RemoveMount(path)
	return noContent()
}
