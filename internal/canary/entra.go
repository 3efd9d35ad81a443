package canary

// KindEntra is a Microsoft Entra ID service principal's client secret
// planted as a decoy: the operator creates an app registration with no
// permissions and plants its secret (README "Entra ID canary"). No
// listener of honeyvault's sees its use: Entra ID's sign-in logs do, and
// reach honeyvault through the ingestion paths like Key Vault's. The token
// that names the decoy is the app id (a lowercase GUID) — which the value
// must carry for the secret to be usable — never the secret. It is not in
// Kinds, the kinds the listeners catch and the planter makes values for.
const KindEntra Kind = "entra"

// ValidAppID reports whether s is an app id as the registry keeps one: a
// GUID in lower case (8-4-4-4-12 hexadecimal digits).
func ValidAppID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				return false
			}
		}
	}
	return true
}

// ValidTokenOf reports whether token has the shape kind k's tokens have:
// an app id for KindEntra, a token (ValidToken) for the others.
func (k Kind) ValidTokenOf(token string) bool {
	if k == KindEntra {
		return ValidAppID(token)
	}
	return ValidToken(token)
}
