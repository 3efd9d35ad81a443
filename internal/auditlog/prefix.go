package auditlog

import "bytes"

// maxEntryPrefix bounds the text skipped before a JSON object on a line.
const maxEntryPrefix = 1024

// skipEntryPrefix skips text before a JSON object on the line the decoder
// stands at the start of, and reports whether it did. Vault's and
// OpenBao's audit devices write their `prefix` option's text before each
// entry, and a syslog daemon's file or a syslog message puts its header
// there (RFC 5424, RFC 3164, rsyslog's "Dec  4 02:00:00 host vault[1]: "):
// the entry after it is an ordinary JSON line. Only a line that holds `{"`
// within maxEntryPrefix bytes and ends with '}' qualifies; any other text
// outside a JSON value is still reported as such.
func (d *Decoder) skipEntryPrefix() bool {
	// Only within what a stream's buffer holds, so that a body in memory
	// and the same bytes streamed read alike.
	b := d.ahead(hasNewline)
	b = b[:min(len(b), readBufSize)]
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		if d.rerr == nil || d.end-d.pos > len(b) {
			return false // a line longer than the buffer
		}
		i = len(b)
	}
	line := bytes.TrimRight(b[:i], " \t\r")
	j := bytes.Index(line[:min(len(line), maxEntryPrefix+2)], []byte(`{"`))
	if j <= 0 || line[len(line)-1] != '}' {
		return false
	}
	d.takeSpan(j)
	return true
}
