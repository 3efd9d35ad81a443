// Package bom skips the UTF-8 byte-order mark (EF BB BF) that Windows tools
// put at the start of text: the Azure portal's and Log Analytics' CSV
// exports, Excel's "CSV UTF-8", PowerShell's Out-File. Every reader of text
// from outside (audit logs, the retro-hunt, watchlists, name lists) skips
// it here, so that they agree on where a file's content starts. It imports
// nothing of honeyvault's, so that even the most upstream box may use it.
package bom

import (
	"bytes"
	"io"
	"strings"
)

// UTF8 is the byte-order mark as UTF-8 spells it.
const UTF8 = "\xef\xbb\xbf"

// Len returns how long the byte-order mark b starts with is: len(UTF8), or
// 0 when b does not start with one.
func Len(b []byte) int {
	if bytes.HasPrefix(b, []byte(UTF8)) {
		return len(UTF8)
	}
	return 0
}

// Trim returns b without a leading byte-order mark.
func Trim(b []byte) []byte { return b[Len(b):] }

// TrimString returns s without a leading byte-order mark.
func TrimString(s string) string { return strings.TrimPrefix(s, UTF8) }

// TrimBlank returns b from its first byte that is neither white space nor
// part of a leading byte-order mark: where the content starts. Concatenated
// files can put white space before a mark.
func TrimBlank(b []byte) []byte {
	return bytes.TrimLeft(Trim(bytes.TrimLeft(b, " \t\r\n")), " \t\r\n")
}

// Reader returns a reader of r's bytes after a leading byte-order mark.
func Reader(r io.Reader) io.Reader {
	head := make([]byte, len(UTF8))
	n, _ := io.ReadFull(r, head)
	if n == len(UTF8) && Len(head) == n {
		return r
	}
	return io.MultiReader(bytes.NewReader(head[:n]), r)
}
