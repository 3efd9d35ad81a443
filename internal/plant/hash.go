package plant

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
)

// MinHashKeyLen is the shortest server key a Hasher accepts.
const MinHashKeyLen = 32

// hashPrefix names the algorithm inside every sum, so it can change later.
const hashPrefix = "hmac-sha256:"

// Hasher computes keyed hashes of decoy values (HMAC-SHA256 under a server
// key), so that honeyvault can recognise a value later — in a paste, a log,
// a request — without ever storing the value. Without the key a sum reveals
// nothing, not even which of two guesses it is. Safe for concurrent use.
type Hasher struct {
	key []byte
}

// NewHasher returns a Hasher for key, which must be at least MinHashKeyLen
// random bytes and stay secret (it is the server's, not the decoy's).
func NewHasher(key []byte) (*Hasher, error) {
	if len(key) < MinHashKeyLen {
		return nil, errors.New("plant: value hash key too short: want at least 32 random bytes")
	}
	return &Hasher{key: append([]byte(nil), key...)}, nil
}

// Sum returns "hmac-sha256:" and the hex HMAC of value.
func (h *Hasher) Sum(value string) string {
	m := hmac.New(sha256.New, h.key)
	m.Write([]byte(value))
	return hashPrefix + hex.EncodeToString(m.Sum(nil))
}
