package auditlog

import (
	"encoding/hex"
	"strings"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// ObjectRef is what a Key Vault object URI or request URI names.
type ObjectRef struct {
	// VaultName is the lower-cased first label of a Key Vault host (any
	// cloud, any port), "" when the URI has no such host.
	VaultName string
	Type      registry.Type // "" when the path names no object
	Name      string        // as spelled in the URI, percent-decoded
	Version   string        // "" when the path names no version
	Deleted   bool          // a /deleted{secrets,keys,certificates} path
	Action    string        // lower-cased verb after the object (backup, sign, versions, ...)
}

// VaultHostSuffixes are the DNS suffixes under which a vault is reached, one
// per cloud (and the private-link names a client may send as Host).
var VaultHostSuffixes = []string{
	"vault.azure.net",
	"vault.azure.cn",
	"vault.usgovcloudapi.net",
	"vault.microsoftazure.de",
	"privatelink.vaultcore.azure.net",
	"privatelink.vaultcore.azure.cn",
	"privatelink.vaultcore.usgovcloudapi.net",
}

var collections = map[string]struct {
	typ     registry.Type
	deleted bool
}{
	"secrets":             {registry.Secret, false},
	"keys":                {registry.Key, false},
	"certificates":        {registry.Certificate, false},
	"deletedsecrets":      {registry.Secret, true},
	"deletedkeys":         {registry.Key, true},
	"deletedcertificates": {registry.Certificate, true},
}

// actions are the path segments that follow an object (and its version) to
// name an operation rather than a version.
var actions = map[string]bool{
	"versions": true, "backup": true, "recover": true, "restore": true,
	"sign": true, "verify": true, "encrypt": true, "decrypt": true, "wrapkey": true, "unwrapkey": true,
	"create": true, "import": true, "rotate": true, "rotationpolicy": true, "release": true,
	"pending": true, "policy": true, "attestation": true,
}

// ParseObjectURI reads the object a Key Vault URI names. It is lenient on
// purpose, because a request URI is whatever the caller sent and detection
// must see through any spelling Key Vault would accept: scheme and host are
// optional, the host may carry a port, user info or a trailing dot and be of
// any cloud; the path is cut at '?' or '#', percent-decoded once (invalid
// escapes are kept as they are), '\' is taken as '/', empty and "." segments
// are dropped and ".." removes the segment before it. Collection names match
// in any case. The object name must be a valid Key Vault name, else no
// object is reported.
func ParseObjectURI(s string) ObjectRef {
	var ref ObjectRef
	rest := strings.TrimSpace(s)
	if i := strings.Index(rest, "://"); i >= 0 && !strings.ContainsAny(rest[:i], "/?#\\") {
		rest = rest[i+3:]
		end := strings.IndexAny(rest, "/?#\\")
		host := rest
		if end >= 0 {
			host, rest = rest[:end], rest[end:]
		} else {
			rest = ""
		}
		ref.VaultName = VaultNameFromHost(host)
	} else if first, _, _ := strings.Cut(strings.TrimLeft(rest, "/\\"), "/"); strings.Contains(first, ".") {
		// A scheme-less "myvault.vault.azure.net/secrets/x".
		if name := VaultNameFromHost(first); name != "" {
			ref.VaultName = name
			rest = strings.TrimLeft(rest, "/\\")[len(first):]
		}
	}
	if i := strings.IndexAny(rest, "?#"); i >= 0 {
		rest = rest[:i]
	}
	var segBuf [8]string // most paths: no allocation for the list
	segs := pathSegments(segBuf[:0], strings.ReplaceAll(percentDecode(rest), "\\", "/"))
	if len(segs) == 0 {
		return ref
	}
	coll, ok := collections[asciiLower(segs[0])]
	if !ok || len(segs) < 2 || !validObjectName(segs[1]) {
		return ref
	}
	ref.Type, ref.Deleted, ref.Name = coll.typ, coll.deleted, segs[1]
	for _, seg := range segs[2:] {
		if l := asciiLower(seg); actions[l] {
			ref.Action = l
			break
		}
		if ref.Version != "" {
			break
		}
		ref.Version = seg
	}
	return ref
}

// VaultNameFromHost returns the lower-cased vault name of a Key Vault host
// such as "MyVault.vault.azure.net:443", "" when host is not one.
func VaultNameFromHost(host string) string {
	host = percentDecode(host)
	if i := strings.LastIndexByte(host, '@'); i >= 0 {
		host = host[i+1:]
	}
	if i := strings.IndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	label, suffix, ok := strings.Cut(host, ".")
	if !ok || !validVaultName(label) {
		return ""
	}
	for _, s := range VaultHostSuffixes {
		if suffix == s {
			return label
		}
	}
	return ""
}

// pathSegments appends the segments of a decoded path to segs, resolving
// dot segments.
func pathSegments(segs []string, path string) []string {
	for seg := range strings.SplitSeq(path, "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(segs) > 0 {
				segs = segs[:len(segs)-1]
			}
		default:
			segs = append(segs, seg)
		}
	}
	return segs
}

// percentDecode decodes %XX escapes once, keeping invalid ones as they are
// (a strict decoder would let a caller hide a name behind one bad escape).
func percentDecode(s string) string {
	i := strings.IndexByte(s, '%')
	if i < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	b = append(b, s[:i]...)
	var c [1]byte
	for ; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if _, err := hex.Decode(c[:], []byte(s[i+1:i+3])); err == nil {
				b = append(b, c[0])
				i += 2
				continue
			}
		}
		b = append(b, s[i])
	}
	return string(b)
}
