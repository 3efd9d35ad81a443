package plant

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

func TestHasher(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	h, err := NewHasher(key)
	if err != nil {
		t.Fatal(err)
	}
	sum := h.Sum("Server=tcp:x;Password=p")
	if !strings.HasPrefix(sum, "hmac-sha256:") || len(sum) != len("hmac-sha256:")+64 {
		t.Errorf("Sum = %q; want hmac-sha256: and 64 hex digits", sum)
	}
	if strings.Contains(sum, "Password") {
		t.Errorf("sum %q shows the value", sum)
	}
	if !match(h, "Server=tcp:x;Password=p", sum) {
		t.Error("Match of the value itself = false")
	}
	if got, want := h.Sum("Server=tcp:x;Password=p"), sum; got != want {
		t.Errorf("second Sum = %q; want %q", got, want)
	}
	tests := []struct {
		value, sum string
	}{
		{"Server=tcp:x;Password=q", sum},
		{"Server=tcp:x;Password=p", strings.TrimPrefix(sum, "hmac-sha256:")},
		{"Server=tcp:x;Password=p", "hmac-sha256:zz"},
		{"Server=tcp:x;Password=p", sum[:len(sum)-2]},
		{"Server=tcp:x;Password=p", ""},
	}
	for _, tt := range tests {
		if match(h, tt.value, tt.sum) {
			t.Errorf("Match(%q, %q) = true", tt.value, tt.sum)
		}
	}
	key[0] = 8 // NewHasher copied the key; another key gives another sum
	other, _ := NewHasher(key)
	if match(other, "Server=tcp:x;Password=p", sum) {
		t.Error("a sum matched under another key")
	}
	if !match(h, "Server=tcp:x;Password=p", sum) {
		t.Error("changing the caller's key slice changed the Hasher")
	}
	if _, err := NewHasher(make([]byte, 31)); err == nil {
		t.Error("NewHasher with a 31-byte key: no error")
	}
}

// match reports whether value has the given sum, in constant time: how a
// value seen later is recognised.
func match(h *Hasher, value, sum string) bool {
	want, ok := strings.CutPrefix(sum, hashPrefix)
	if !ok {
		return false
	}
	w, err := hex.DecodeString(want)
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, h.key)
	m.Write([]byte(value))
	return hmac.Equal(m.Sum(nil), w)
}
