package vaultemu

import (
	"net/http"
	"slices"
	"strings"
)

// The system backend's and the token store's mount identities, as audit
// entries name them.
const (
	sysAccessor   = "system_6a1c5d2e"
	tokenAccessor = "auth_token_3f0e9b71"
)

// resolve finds what serves c.path. A path nothing serves still gets a
// route, so that the call is authorised and audited before its 404, as in
// Vault.
func (s *Server) resolve(c *call) route {
	if rest, ok := strings.CutPrefix(c.path, "sys/"); ok {
		return s.sysRoute(c, rest)
	}
	if c.path == "auth/token/lookup-self" {
		return route{
			handle: s.lookupSelf, mountPoint: "auth/token/", mountType: "token", mountAccessor: tokenAccessor,
			authorize: func(c *call) bool { // the default policy's grant, or an explicit one
				return c.op == OpRead && slices.Contains(c.token.Policies, "default") || s.allowedOp(c, false)
			},
		}
	}
	if m, rest := s.mountFor(c.path); m != nil {
		return s.kvRoute(c, m, rest)
	}
	return s.noRoute(c)
}

// noRoute answers what no mount serves: 404 for a caller allowed there
// (root), permission denied for everyone else.
func (s *Server) noRoute(c *call) route {
	return route{
		handle: func(c *call) reply {
			return errReply(http.StatusNotFound, `no handler for route "`+c.path+`". route entry not found.`)
		},
		authorize: func(c *call) bool { return s.allowedOp(c, false) },
	}
}

func (s *Server) sysRoute(c *call, rest string) route {
	rt := route{mountPoint: "sys/", mountType: "system", mountAccessor: sysAccessor}
	name, isAudit := strings.CutPrefix(rest, "audit/")
	hashName, isHash := strings.CutPrefix(rest, "audit-hash/")
	uiPath, isUI := strings.CutPrefix(rest, "internal/ui/mounts/")
	mountPath, isMount := strings.CutPrefix(rest, "mounts/")
	header, isHeaders := strings.CutPrefix(rest+"/", "config/auditing/request-headers/")
	switch {
	case isHeaders:
		header = strings.TrimSuffix(header, "/")
		rt.sudo, rt.handle = true, func(c *call) reply { return s.headersCall(c, header) }
	case isMount && mountPath != "" && c.op == OpUpdate:
		rt.handle = func(c *call) reply { return s.enableMountCall(mountPath, c.data) }
	case isMount && mountPath != "" && c.op == OpDelete:
		rt.handle = func(*call) reply { return s.disableMountCall(mountPath) }
	case rest == "mounts" && c.op == OpRead:
		rt.handle = s.listMounts
	case isUI && c.op == OpRead:
		rt.handle = func(c *call) reply { return s.uiMount(uiPath) }
		rt.authorize = func(c *call) bool { return s.hasMountAccess(c.token, uiPath) }
	case rest == "audit" && c.op == OpRead:
		rt.sudo, rt.handle = true, s.listAudit
	case isAudit && name != "" && c.op == OpUpdate:
		rt.sudo, rt.handle = true, func(c *call) reply { return s.enableAuditCall(name, c.data) }
	case isAudit && name != "" && c.op == OpDelete:
		rt.sudo, rt.handle = true, func(*call) reply { return s.disableAuditCall(name) }
	case isHash && hashName != "" && c.op == OpUpdate:
		rt.sudo, rt.handle = true, func(c *call) reply { return s.auditHashCall(hashName, c.data) }
	default:
		rt.handle = func(c *call) reply {
			return errReply(http.StatusNotFound, "unsupported path")
		}
	}
	if rt.authorize == nil {
		sudo := rt.sudo
		rt.authorize = func(c *call) bool { return s.allowedOp(c, sudo) }
	}
	return rt
}

// kvRoute serves the paths of a KV v2 mount: data/, metadata/,
// detailed-metadata/, delete/, undelete/, destroy/.
func (s *Server) kvRoute(c *call, m *mount, rest string) route {
	rt := route{mountPoint: m.path, mountType: "kv", mountAccessor: m.accessor}
	rt.authorize = func(c *call) bool { return s.allowedOp(c, false) }
	kind, p, _ := strings.Cut(rest, "/") // a folder's p keeps its trailing slash
	h := kvHandler{s: s, m: m, path: p}
	switch kind {
	case "data", "metadata":
		rt.exists = func() bool { return m.has(p) }
	}
	rt.handle = h.dispatch(kind)
	return rt
}

// hasMountAccess is sys/internal/ui/mounts' check: the token holds some
// capability somewhere under the mount (Vault's "mount access").
func (s *Server) hasMountAccess(t *Token, path string) bool {
	if t == nil {
		return false
	}
	m, _ := s.mountFor(strings.TrimSuffix(path, "/"))
	if m == nil {
		return s.capabilities(t, "sys/mounts")[CapRead] // Vault checks nothing deeper for no mount
	}
	for _, probe := range []string{"data/", "metadata/", "delete/", "undelete/", "destroy/"} {
		if len(s.capabilities(t, m.path+probe)) > 0 {
			return true
		}
	}
	return s.anyRuleUnder(t, m.path)
}

// anyRuleUnder reports whether one of the token's rules names a path
// under prefix with a capability other than deny.
func (s *Server) anyRuleUnder(t *Token, prefix string) bool {
	for _, p := range t.Policies {
		if p == "root" {
			return true
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, name := range t.Policies {
		for _, r := range s.policies[name] {
			if strings.HasPrefix(r.pattern.raw, prefix) && !slices.Contains(r.caps, CapDeny) {
				return true
			}
		}
	}
	return false
}

// lookupSelf answers auth/token/lookup-self: the caller's own token, so a
// planter can learn its accessor and entity (to allow-list itself).
func (s *Server) lookupSelf(c *call) reply {
	t := c.token
	pols := make([]any, len(t.Policies))
	for i, p := range t.Policies {
		pols[i] = p
	}
	meta := map[string]any{}
	for k, v := range t.Metadata {
		meta[k] = v
	}
	return ok(map[string]any{
		"accessor": t.Accessor, "display_name": t.DisplayName, "entity_id": t.EntityID, "id": t.ID,
		"policies": pols, "meta": meta, "issue_time": t.IssueTime.Format(timeLayout), "type": "service",
		"path": "auth/token/create", "orphan": false, "ttl": 0, "renewable": false,
	})
}
