package kvemu

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"math/big"
	"slices"
	"strings"
)

func init() {
	handle("PUT", "keys/{name}", keySpec("KeyImport", "import", "keys/import/action", classSecretCreate, keyImport))
}

// privateJWK is a JSON Web Key with its private members, as ImportKey sends it.
type privateJWK struct {
	Kty    string   `json:"kty"`
	KeyOps []string `json:"key_ops"`
	N      string   `json:"n"`
	E      string   `json:"e"`
	D      string   `json:"d"`
	P      string   `json:"p"`
	Q      string   `json:"q"`
	DP     string   `json:"dp"`
	DQ     string   `json:"dq"`
	QI     string   `json:"qi"`
	Crv    string   `json:"crv"`
	X      string   `json:"x"`
	Y      string   `json:"y"`
}

type keyImportBody struct {
	Key        *privateJWK       `json:"key"`
	HSM        bool              `json:"Hsm"`
	Attributes *attributesJSON   `json:"attributes"`
	Tags       map[string]string `json:"tags"`
}

func jwkInt(field, s string) (*big.Int, error) {
	if s == "" {
		return nil, errBadParameter("The key is missing its %s member.", field)
	}
	b, err := decodeB64(field, s)
	if err != nil {
		return nil, err
	}
	return new(big.Int).SetBytes(b), nil
}

// signerFromJWK builds the private key of an imported JWK and checks it.
func signerFromJWK(j *privateJWK) (crypto.Signer, string, error) {
	switch strings.TrimSuffix(j.Kty, "-HSM") {
	case "RSA":
		var vals [5]*big.Int
		for i, f := range []struct{ name, v string }{{"n", j.N}, {"e", j.E}, {"d", j.D}, {"p", j.P}, {"q", j.Q}} {
			v, err := jwkInt(f.name, f.v)
			if err != nil {
				return nil, "", err
			}
			vals[i] = v
		}
		if bits := vals[0].BitLen(); bits < 2048 || bits > 4096 {
			return nil, "", errBadParameter("The RSA key size %d is not supported: use 2048 to 4096 bits.", bits)
		}
		if !vals[1].IsInt64() || vals[1].Int64() > 1<<31 {
			return nil, "", errBadParameter("The RSA public exponent is not valid.")
		}
		k := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: vals[0], E: int(vals[1].Int64())}, D: vals[2], Primes: []*big.Int{vals[3], vals[4]}}
		if err := k.Validate(); err != nil {
			return nil, "", errBadParameter("The RSA key is not valid: %v", err)
		}
		k.Precompute()
		return k, "", nil
	case "EC":
		curve, ok := curves[j.Crv]
		if !ok {
			return nil, "", errBadParameter("The curve %q is not supported: use P-256, P-384 or P-521.", j.Crv)
		}
		d, err := decodeB64("d", j.D)
		if err != nil {
			return nil, "", err
		}
		k, err := ecdsa.ParseRawPrivateKey(curve, d)
		if err != nil {
			return nil, "", errBadParameter("The EC private key is not valid: %v", err)
		}
		return k, j.Crv, nil
	}
	return nil, "", errBadParameter("Key type %q cannot be imported into a vault.", j.Kty)
}

// ecCurveName names an EC key's curve the JOSE way.
func ecCurveName(k crypto.Signer) (string, bool) {
	ec, ok := k.Public().(*ecdsa.PublicKey)
	if !ok {
		return "", false
	}
	for name, c := range curves {
		if c == ec.Curve {
			return name, true
		}
	}
	return "", false
}

// keyImport imports a key as a new version (PUT /keys/{name}).
func keyImport(c *call) (result, error) {
	var b keyImportBody
	if err := decodeBody(c.body, &b); err != nil {
		return result{}, err
	}
	if b.Key == nil {
		return result{}, errBadParameter("Property key is required.")
	}
	priv, crv, err := signerFromJWK(b.Key)
	if err != nil {
		return result{}, err
	}
	kty := strings.TrimSuffix(b.Key.Kty, "-HSM")
	if b.HSM || strings.HasSuffix(b.Key.Kty, "-HSM") {
		c.v.mu.Lock()
		sku := c.v.sku
		c.v.mu.Unlock()
		if sku != "premium" {
			return result{}, errBadParameter("HSM-protected keys require a premium vault.")
		}
		kty += "-HSM"
	}
	kv := &keyVersion{version: newVersion(), kty: kty, crv: crv, priv: priv, keyOps: slices.Clone(b.Key.KeyOps)}
	if kv.keyOps == nil {
		kv.keyOps = slices.Clone(rsaKeyOps)
		if crv != "" {
			kv.keyOps = slices.Clone(ecKeyOps)
		}
	}
	if kv.meta, err = newMeta(b.Attributes, b.Tags, c.now); err != nil {
		return result{}, err
	}
	c.v.mu.Lock()
	defer c.v.mu.Unlock()
	return c.addKeyVersionLocked(kv, "imported")
}
