package kvemu

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// tokenClaims are the claims of an emulator-minted access token, spelled as
// Entra ID spells them in v1.0 tokens.
type tokenClaims struct {
	Audience string `json:"aud"`
	Issuer   string `json:"iss"`
	IssuedAt int64  `json:"iat"`
	NotBefor int64  `json:"nbf"`
	Expires  int64  `json:"exp"`
	OID      string `json:"oid"`
	Subject  string `json:"sub"`
	TID      string `json:"tid"`
	UPN      string `json:"upn,omitempty"`
	Unique   string `json:"unique_name,omitempty"`
	AppID    string `json:"appid"`
	IPAddr   string `json:"ipaddr,omitempty"`
	Version  string `json:"ver"`
}

const jwtHeader = `{"alg":"HS256","typ":"JWT"}`

// mintToken signs c with the emulator's HMAC key.
func (e *Emulator) mintToken(c tokenClaims) (string, error) {
	body, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("kvemu: encode token: %w", err)
	}
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString([]byte(jwtHeader)) + "." + enc.EncodeToString(body)
	return signing + "." + enc.EncodeToString(e.sign([]byte(signing))), nil
}

func (e *Emulator) sign(b []byte) []byte {
	m := hmac.New(sha256.New, e.tokenKey)
	m.Write(b)
	return m.Sum(nil)
}

// Errors from parseToken. Their text follows Key Vault's AKV error codes so
// a 401 body reads like Azure's.
var (
	errTokenMalformed = errors.New("AKV10000: Request is missing a Bearer or PoP token.")
	errTokenSignature = errors.New("AKV10032: Invalid issuer. The token signature could not be verified.")
	errTokenExpired   = errors.New("AKV10022: Invalid token. The token is expired or not yet valid.")
)

// parseToken checks a bearer token's shape, signature and validity window
// at now, and returns its claims. Audience and tenant are checked by the
// caller, which knows what it expects.
func (e *Emulator) parseToken(tok string, now time.Time) (*tokenClaims, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return nil, errTokenMalformed
	}
	enc := base64.RawURLEncoding
	header, err := enc.DecodeString(parts[0])
	if err != nil || string(header) != jwtHeader {
		return nil, errTokenMalformed
	}
	sig, err := enc.DecodeString(parts[2])
	if err != nil {
		return nil, errTokenMalformed
	}
	if !hmac.Equal(sig, e.sign([]byte(parts[0]+"."+parts[1]))) {
		return nil, errTokenSignature
	}
	body, err := enc.DecodeString(parts[1])
	if err != nil {
		return nil, errTokenMalformed
	}
	var c tokenClaims
	if err := json.Unmarshal(body, &c); err != nil {
		return nil, errTokenMalformed
	}
	if c.OID == "" || c.TID == "" || c.Audience == "" {
		return nil, errTokenMalformed
	}
	// Entra ID allows five minutes of clock skew.
	const skew = 5 * time.Minute
	if now.Unix() < c.NotBefor-int64(skew/time.Second) || now.Unix() >= c.Expires+int64(skew/time.Second) {
		return nil, errTokenExpired
	}
	return &c, nil
}

// bearerToken extracts the token of an "Authorization: Bearer ..." header;
// ok is false when the header is absent or not a bearer token.
func bearerToken(h string) (string, bool) {
	const prefix = "bearer "
	if len(h) < len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return "", false
	}
	tok := strings.TrimSpace(h[len(prefix):])
	return tok, tok != ""
}
