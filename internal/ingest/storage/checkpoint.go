package storage

import "encoding/json"

// checkpoint is how far a blob has been read, stored as JSON under the
// blob's name.
type checkpoint struct {
	Offset int64  `json:"off"`            // bytes read (JSON lines)
	Line   int64  `json:"line"`           // line number at Offset, 1-based
	Whole  bool   `json:"whole"`          // a document, read whole
	ETag   string `json:"etag,omitempty"` // of the content read whole
}

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
