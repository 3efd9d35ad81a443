package auditlog

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"strings"
	"testing"
)

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// OpenBody bounds what a streamed body decompresses to as it is read: an
// endless gzip stream fails at the bound, having been read only that far.
func TestOpenBodyBoundsTheStream(t *testing.T) {
	pr, pw := io.Pipe()
	go func() { // an endless gzip stream of one record after another
		zw := gzip.NewWriter(pw)
		line := []byte(rec(1) + "\n")
		for {
			if _, err := zw.Write(line); err != nil {
				return
			}
		}
	}()
	defer pr.Close()
	in := &countingReader{r: pr}
	const limit = 1 << 20
	d, err := OpenBody(in, limit, nil)
	if err != nil {
		t.Fatal(err)
	}
	records := 0
	for {
		_, err = d.Next()
		if err != nil {
			break
		}
		records++
	}
	if !errors.Is(err, ErrBodyTooLarge) {
		t.Fatalf("after %d records: %v; want ErrBodyTooLarge", records, err)
	}
	if want := limit / (len(rec(1)) + 1); records < want-1 || records > want {
		t.Errorf("%d records read before the bound; want %d", records, want)
	}
	if in.n > limit { // compressed bytes read: far fewer than the limit
		t.Errorf("%d compressed bytes read for %d decompressed", in.n, limit)
	}
}

func TestOpenBodyRefusesWhatIsNotRecords(t *testing.T) {
	tests := []struct {
		name string
		body string
		want error
	}{
		{"text", "hello world", ErrNotJSON},
		{"empty", "", ErrNotJSON},
		{"multipart form", "--xyz\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\n{}\r\n--xyz--\r\n", ErrNotJSON},
		{"blank, then a record past the sniffed prefix", strings.Repeat(" ", 2*SniffSize) + rec(1), nil},
		{"JSON lines", rec(1) + "\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := OpenBody(strings.NewReader(tt.body), 0, nil)
			if !errors.Is(err, tt.want) {
				t.Errorf("got %v; want %v", err, tt.want)
			}
		})
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("\x00\x01\x02 binary"))
	zw.Close()
	if _, err := OpenBody(&gz, 0, nil); !errors.Is(err, ErrNotJSON) || !strings.Contains(err.Error(), "binary") {
		t.Errorf("gzip of binary data: %v", err)
	}
}
