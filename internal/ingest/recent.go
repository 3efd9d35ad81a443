package ingest

import (
	"io"

	"github.com/honeyvault/honeyvault/internal/auditlog"
)

// recentBytes passes a stream through and keeps its last max bytes, so that
// a dead letter can carry the record the decoder reported after reading
// past it. The buffer grows with the stream up to max, so a small body
// costs only its size.
type recentBytes struct {
	r    io.Reader
	max  int
	buf  []byte // ring: stream offset o is at buf[o%len(buf)]
	n    int64  // bytes read through so far
	head [2]byte
}

func (t *recentBytes) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.keep(p[:n])
	return n, err
}

func (t *recentBytes) keep(b []byte) {
	if t.n < 2 {
		copy(t.head[t.n:], b)
	}
	if need := t.n + int64(len(b)); len(t.buf) < t.max && need > int64(len(t.buf)) {
		// Not wrapped yet: the buffer holds the stream from its start.
		size := min(t.max, max(2*len(t.buf), int(min(need, int64(t.max))), 64<<10))
		grown := make([]byte, size)
		copy(grown, t.buf[:t.n])
		t.buf = grown
	}
	if len(b) > len(t.buf) {
		t.n += int64(len(b) - len(t.buf))
		b = b[len(b)-len(t.buf):]
	}
	for len(b) > 0 {
		i := int(t.n % int64(len(t.buf)))
		c := copy(t.buf[i:], b)
		b = b[c:]
		t.n += int64(c)
	}
}

// line returns the bytes from stream offset off to the end of their line,
// at most limit of them, as far as they were read and are still held; ""
// when they are not. An input that is itself gzip-compressed again has
// offsets in a stream this one does not see: nothing is returned for it.
func (t *recentBytes) line(off int64, limit int) string {
	oldest := max(0, t.n-int64(len(t.buf)))
	if off < oldest || off >= t.n || t.nestedGzip() {
		return ""
	}
	end := min(t.n, off+int64(limit))
	out := make([]byte, 0, end-off)
	for o := off; o < end; {
		i := int(o % int64(len(t.buf)))
		part := t.buf[i:min(len(t.buf), i+int(end-o))]
		out = append(out, part...)
		o += int64(len(part))
	}
	for i, c := range out {
		if c == '\n' {
			return string(out[:i])
		}
	}
	return string(out)
}

func (t *recentBytes) nestedGzip() bool { return t.n >= 2 && auditlog.IsGzip(t.head[:]) }
