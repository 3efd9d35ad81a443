package kvemu

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"

	"hash"
	"math/big"
	"net/http"
	"slices"
	"strings"
)

// keyOperation is one cryptographic operation on a key version.
type keyOperation struct {
	path   string // the URL segment: sign, verify, encrypt, ...
	audit  string // the audit operationName
	perm   string // access-policy permission (also the key_ops entry)
	action string // RBAC action segment
	run    func(*call) (result, error)
}

var keyOperations = []keyOperation{
	{"sign", "KeySign", "sign", "sign", keySign},
	{"verify", "KeyVerify", "verify", "verify", keyVerify},
	{"encrypt", "KeyEncrypt", "encrypt", "encrypt", keyEncrypt},
	{"decrypt", "KeyDecrypt", "decrypt", "decrypt", keyDecrypt},
	{"wrapkey", "KeyWrap", "wrapKey", "wrap", keyWrap},
	{"unwrapkey", "KeyUnwrap", "unwrapKey", "unwrap", keyUnwrap},
}

// keyOpBody is KeyOperationParameters, SignParameters and VerifyParameters
// together; byte fields are base64url.
type keyOpBody struct {
	Alg    string `json:"alg"`
	Value  string `json:"value"`
	Digest string `json:"digest"`
}

type keyOpResultJSON struct {
	KID   string `json:"kid"`
	Value string `json:"value"`
}

type keyVerifyResultJSON struct {
	Value bool `json:"value"`
}

// keyForOp decodes the body and finds the enabled key version the
// operation names, checking the key allows op.
func (c *call) keyForOp(op string) (*keyVersion, string, keyOpBody, error) {
	var b keyOpBody
	if err := decodeBody(c.body, &b); err != nil {
		return nil, "", b, err
	}
	if b.Alg == "" {
		return nil, "", b, errBadParameter("Property alg is required.")
	}
	c.v.mu.Lock()
	defer c.v.mu.Unlock()
	k, kv, err := c.keyVersionLocked()
	if err != nil {
		return nil, "", b, err
	}
	if !kv.enabled {
		return nil, "", b, errForbidden("KeyDisabled", "Operation %s is not allowed on a disabled key.", op)
	}
	if !slices.ContainsFunc(kv.keyOps, func(s string) bool { return strings.EqualFold(s, op) }) {
		return nil, "", b, errForbidden("KeyOperationForbidden", "Operation %s is not permitted on this key.", op)
	}
	return kv, c.keyID(k.name, kv.version), b, nil
}

func decodeB64(field, s string) ([]byte, error) {
	b, err := b64url.DecodeString(trimPadding(s))
	if err != nil {
		return nil, errBadParameter("Property %s is not valid base64url.", field)
	}
	return b, nil
}

// signHash maps a signature algorithm to its digest and kind.
func signHash(alg string) (crypto.Hash, string, bool) {
	switch alg {
	case "RS256", "PS256", "ES256":
		return crypto.SHA256, alg[:2], true
	case "RS384", "PS384", "ES384":
		return crypto.SHA384, alg[:2], true
	case "RS512", "PS512", "ES512":
		return crypto.SHA512, alg[:2], true
	}
	return 0, "", false
}

func keySign(c *call) (result, error) {
	kv, kid, b, err := c.keyForOp("sign")
	if err != nil {
		return result{}, err
	}
	digest, err := decodeB64("value", b.Value)
	if err != nil {
		return result{}, err
	}
	sig, err := signDigest(kv, b.Alg, digest)
	if err != nil {
		return result{}, err
	}
	return result{status: http.StatusOK, body: keyOpResultJSON{KID: kid, Value: b64url.EncodeToString(sig)}, id: kid}, nil
}

func signDigest(kv *keyVersion, alg string, digest []byte) ([]byte, error) {
	h, family, ok := signHash(alg)
	if !ok {
		return nil, errBadParameter("The algorithm %q is not supported.", alg)
	}
	if len(digest) != h.Size() {
		return nil, errBadParameter("The digest is %d bytes; %s needs %d.", len(digest), alg, h.Size())
	}
	switch priv := kv.priv.(type) {
	case *rsa.PrivateKey:
		switch family {
		case "RS":
			return rsa.SignPKCS1v15(rand.Reader, priv, h, digest)
		case "PS":
			return rsa.SignPSS(rand.Reader, priv, h, digest, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		}
	case *ecdsa.PrivateKey:
		if family == "ES" && curveMatches(kv.crv, alg) {
			r, s, err := ecdsa.Sign(rand.Reader, priv, digest)
			if err != nil {
				return nil, err
			}
			size := (priv.Curve.Params().BitSize + 7) / 8
			return append(r.FillBytes(make([]byte, size)), s.FillBytes(make([]byte, size))...), nil
		}
	}
	return nil, errBadParameter("Key and algorithm %s are not compatible.", alg)
}

// curveMatches pairs ECDSA algorithms with their curves, as JOSE does.
func curveMatches(crv, alg string) bool {
	return map[string]string{"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}[crv] == alg
}

func keyVerify(c *call) (result, error) {
	kv, kid, b, err := c.keyForOp("verify")
	if err != nil {
		return result{}, err
	}
	digest, err := decodeB64("digest", b.Digest)
	if err != nil {
		return result{}, err
	}
	sig, err := decodeB64("value", b.Value)
	if err != nil {
		return result{}, err
	}
	h, family, ok := signHash(b.Alg)
	if !ok {
		return result{}, errBadParameter("The algorithm %q is not supported.", b.Alg)
	}
	valid := false
	switch pub := kv.priv.Public().(type) {
	case *rsa.PublicKey:
		switch family {
		case "RS":
			valid = rsa.VerifyPKCS1v15(pub, h, digest, sig) == nil
		case "PS":
			valid = rsa.VerifyPSS(pub, h, digest, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}) == nil
		default:
			return result{}, errBadParameter("Key and algorithm %s are not compatible.", b.Alg)
		}
	case *ecdsa.PublicKey:
		if family != "ES" || !curveMatches(kv.crv, b.Alg) {
			return result{}, errBadParameter("Key and algorithm %s are not compatible.", b.Alg)
		}
		size := (pub.Curve.Params().BitSize + 7) / 8
		if len(sig) == 2*size {
			r, s := new(big.Int).SetBytes(sig[:size]), new(big.Int).SetBytes(sig[size:])
			valid = ecdsa.Verify(pub, digest, r, s)
		}
	}
	return result{status: http.StatusOK, body: keyVerifyResultJSON{Value: valid}, id: kid}, nil
}

// oaepHash picks the hash of an RSA encryption algorithm; ok is false for
// algorithms the key type cannot do.
func oaepHash(alg string) (hash.Hash, bool, bool) {
	switch alg {
	case "RSA-OAEP":
		return sha1.New(), true, true
	case "RSA-OAEP-256":
		return sha256.New(), true, true
	case "RSA1_5":
		return nil, false, true
	}
	return nil, false, false
}

func rsaEncrypt(kv *keyVersion, alg string, plain []byte) ([]byte, error) {
	priv, ok := kv.priv.(*rsa.PrivateKey)
	h, oaep, known := oaepHash(alg)
	if !ok || !known {
		return nil, errBadParameter("Key and algorithm %s are not compatible.", alg)
	}
	var out []byte
	var err error
	if oaep {
		out, err = rsa.EncryptOAEP(h, rand.Reader, &priv.PublicKey, plain, nil)
	} else {
		out, err = rsa.EncryptPKCS1v15(rand.Reader, &priv.PublicKey, plain)
	}
	if err != nil {
		return nil, errBadParameter("The plaintext is too long for this key and algorithm.")
	}
	return out, nil
}

func rsaDecrypt(kv *keyVersion, alg string, cipher []byte) ([]byte, error) {
	priv, ok := kv.priv.(*rsa.PrivateKey)
	h, oaep, known := oaepHash(alg)
	if !ok || !known {
		return nil, errBadParameter("Key and algorithm %s are not compatible.", alg)
	}
	var out []byte
	var err error
	if oaep {
		out, err = rsa.DecryptOAEP(h, nil, priv, cipher, nil)
	} else {
		out, err = rsa.DecryptPKCS1v15(nil, priv, cipher)
	}
	if err != nil {
		return nil, errBadParameter("The ciphertext could not be decrypted.")
	}
	return out, nil
}

// cryptOp runs encrypt/decrypt/wrap/unwrap, which differ only in direction
// and permission.
func cryptOp(c *call, op string, encrypt bool) (result, error) {
	kv, kid, b, err := c.keyForOp(op)
	if err != nil {
		return result{}, err
	}
	in, err := decodeB64("value", b.Value)
	if err != nil {
		return result{}, err
	}
	var out []byte
	if encrypt {
		out, err = rsaEncrypt(kv, b.Alg, in)
	} else {
		out, err = rsaDecrypt(kv, b.Alg, in)
	}
	if err != nil {
		return result{}, err
	}
	return result{status: http.StatusOK, body: keyOpResultJSON{KID: kid, Value: b64url.EncodeToString(out)}, id: kid}, nil
}

func keyEncrypt(c *call) (result, error) { return cryptOp(c, "encrypt", true) }
func keyDecrypt(c *call) (result, error) { return cryptOp(c, "decrypt", false) }
func keyWrap(c *call) (result, error)    { return cryptOp(c, "wrapKey", true) }
func keyUnwrap(c *call) (result, error)  { return cryptOp(c, "unwrapKey", false) }
