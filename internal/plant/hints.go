package plant

import "strings"

// vaultWords are words in vault names that say "this is a vault", not what
// it is for.
var vaultWords = set("kv", "akv", "vault", "keyvault", "vlt", "secrets", "keys", "shared", "common")

// vaultHints reads an application, environment and region from the vault's
// name ("kv-orders-prod-weu"), falling back to what its object names use.
func vaultHints(inv Inventory, vaultName string, s *Style) ValueHints {
	h := ValueHints{TenantID: inv.TenantID}
	if id := strings.Split(strings.Trim(inv.VaultID, "/"), "/"); len(id) > 1 {
		h.SubscriptionID = id[1]
	}
	for _, w := range splitWords(vaultName) {
		if len(w) > 4 {
			// "ordersprodkv", "kvorders": the vault marker glued on.
			w = strings.TrimSuffix(strings.TrimPrefix(w, "kv"), "kv")
		}
		switch {
		case envWords[w]:
			if h.Env == "" {
				h.Env = w
			}
		case regionWords[w]:
			if h.Region == "" {
				h.Region = w
			}
		case h.App == "" && !vaultWords[w] && len(w) >= 2 && hasLetter(w) && safeHint(w):
			h.App = w
		}
	}
	if h.Env == "" && len(s.Envs) > 0 {
		h.Env = hintWord(s.Envs[0].Value)
	}
	if h.Region == "" && len(s.Regions) > 0 {
		h.Region = hintWord(s.Regions[0].Value)
	}
	if h.App == "" {
		for _, a := range s.Prefixes {
			for _, part := range a.Value {
				if w := hintWord(part); !isSlot(part) && w != "" {
					h.App = w
					break
				}
			}
			if h.App != "" {
				break
			}
		}
	}
	return h
}

// hintWord is w lower-cased with only letters and digits, or "" when that
// leaves nothing usable.
func hintWord(w string) string {
	w = alnumOnly(w)
	if w == "" || !safeHint(w) {
		return ""
	}
	return w
}

func safeHint(w string) bool {
	_, bad := Giveaway(w)
	return !bad && len(w) <= 24
}

// certHost is the DNS name a certificate decoy is for: its name's words
// without the certificate-ish ones, under suffix (or APP.internal).
func certHost(name string, h ValueHints, suffix string) string {
	var label []string
	wildcard := false
	for _, w := range splitWords(name) {
		switch w {
		case "cert", "certs", "certificate", "tls", "ssl", "https", "pfx", "pem":
		case "wildcard":
			wildcard = true
		default:
			label = append(label, w)
		}
	}
	if suffix == "" {
		app := h.App
		if app == "" {
			app = "corp"
		}
		suffix = app + ".internal"
	}
	suffix = strings.ToLower(suffix)
	host := strings.Join(label, "-")
	if len(host) > 63 {
		host = strings.TrimRight(host[:63], "-")
	}
	switch {
	case wildcard:
		return "*." + suffix
	case host == "":
		return "api." + suffix
	}
	return host + "." + suffix
}

// validDNSName reports whether s is a plausible domain name: dot-separated
// labels of letters, digits and inner dashes.
func validDNSName(s string) bool {
	if len(s) > 253 {
		return false
	}
	labels := strings.Split(s, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			if !isAlnum(l[i]) && l[i] != '-' {
				return false
			}
		}
	}
	return true
}
