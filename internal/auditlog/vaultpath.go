package auditlog

import "strings"

// kvV2Segments are the endpoints of a KV v2 mount that take a secret's
// path after them: {mount}/{segment}/{path}.
var kvV2Segments = map[string]bool{
	"data": true, "metadata": true, "delete": true, "undelete": true, "destroy": true,
	"subkeys": true, "detailed-metadata": true,
}

// vaultPath is what a request path names in a KV mount.
type vaultPath struct {
	mount  string // the mount's path, without slashes around; "" when the path is in no KV mount
	action string // the KV v2 segment after the mount; "" for a path without one
	name   string // the secret's path after the segment, exactly as sent
}

// splitVaultPath reads the KV mount, segment and secret of a request path.
//
// With mount_point (Vault ≥ 1.x logs it), the mount is known: a path of a
// mount of another type (mount_type not kv: sys, auth, transit, ...) names
// no secret; in a KV mount the first segment after the mount is the KV v2
// endpoint, and the rest is the secret. A path with no such segment
// ({mount}/{name}: KV v1's form, which a KV v2 mount refuses) names the
// secret {name} with no action: it is an attempt on that name all the
// same. The mount's own endpoints (config) name nothing.
//
// Without mount_point (2020-era entries), the mount is everything before
// the first KV v2 segment (the first after at least one segment, so that
// kv/team-a/data/x is mount kv/team-a): a mount whose own path holds such
// a segment is misread then, and a path with no segment names nothing,
// since where the mount ends cannot be told.
//
// ns, the request's namespace path (Vault Enterprise, OpenBao), is put
// before the mount: the same mount path in two namespaces is two stores.
func splitVaultPath(path, mountPoint, mountType, ns string) vaultPath {
	path = strings.TrimPrefix(path, "/")
	mountPoint = strings.Trim(mountPoint, "/")
	var p vaultPath
	switch {
	case mountPoint != "" && strings.HasPrefix(path, mountPoint+"/"):
		if mountType != "" && mountType != "kv" && mountType != "generic" {
			return vaultPath{}
		}
		p.mount = mountPoint
		rest := path[len(mountPoint)+1:]
		seg, name, _ := strings.Cut(rest, "/")
		switch {
		case kvV2Segments[seg]:
			p.action, p.name = seg, name
		case seg == "config" && name == "":
		default:
			p.name = rest
		}
	case mountPoint != "":
		return vaultPath{} // the path is the mount itself, or not in it
	default:
		i := 0
		for seg := range strings.SplitSeq(path, "/") {
			if i > 0 && kvV2Segments[seg] && i+len(seg) < len(path) {
				p.mount, p.action, p.name = path[:i-1], seg, path[i+len(seg)+1:]
				break
			}
			i += len(seg) + 1
		}
		if p.mount == "" {
			return vaultPath{}
		}
	}
	if ns != "" {
		p.mount = ns + "/" + p.mount
	}
	return p
}
