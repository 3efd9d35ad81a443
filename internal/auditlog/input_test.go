package auditlog

import (
	"bytes"
	"compress/gzip"
	"testing"
)

// Every reader of raw input (the decoder, ParseBody, the ingest dead
// letters, the file source) sniffs gzip with IsGzip.
func TestIsGzip(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`{"records":[]}`))
	zw.Close()
	tests := []struct {
		name string
		in   []byte
		want bool
	}{
		{"gzip stream", gz.Bytes(), true},
		{"magic number alone", []byte{0x1f, 0x8b}, true},
		{"JSON", []byte(`{"records":[]}`), false},
		{"one byte of the magic", []byte{0x1f}, false},
		{"magic reversed", []byte{0x8b, 0x1f, 0x08}, false},
		{"empty", nil, false},
	}
	for _, tt := range tests {
		if got := IsGzip(tt.in); got != tt.want {
			t.Errorf("%s: IsGzip = %v; want %v", tt.name, got, tt.want)
		}
	}
}
