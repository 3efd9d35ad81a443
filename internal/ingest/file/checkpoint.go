package file

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// checkpoint is how far a file has been read, stored as JSON under the
// file's path.
type checkpoint struct {
	Offset int64  `json:"off"`            // bytes read (lines)
	Line   int64  `json:"line"`           // line number at Offset, 1-based
	Inode  uint64 `json:"ino,omitempty"`  // identity of the file read
	Size   int64  `json:"size"`           // size when last read
	MTime  int64  `json:"mtime"`          // modification time when last read, Unix ns
	Head   string `json:"head,omitempty"` // hash of the first HeadLen bytes
	// HeadLen is how many first bytes Head covers (at most headLen).
	HeadLen int64 `json:"headlen,omitempty"`
	Whole   bool  `json:"whole,omitempty"` // a document or .gz, read whole
}

// headLen bounds the first bytes hashed to recognise a file rewritten in place.
const headLen = 1024

func parseCheckpoint(v string) (checkpoint, bool) {
	var c checkpoint
	if v == "" || json.Unmarshal([]byte(v), &c) != nil {
		return checkpoint{Line: 1}, false
	}
	if c.Line < 1 {
		c.Line = 1
	}
	return c, true
}

func (c checkpoint) String() string {
	b, _ := json.Marshal(c)
	return string(b)
}

func hashHead(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:8])
}
