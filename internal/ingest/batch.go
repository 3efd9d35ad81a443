package ingest

import (
	"bytes"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/store"
)

// BatchFromBody parses body (any record shape, gzip or not) into a batch for
// source: the events, and a dead letter for each malformed record with its
// position, reason and raw bytes. A body that is not JSON at all returns the
// parse error and no batch.
func BatchFromBody(source string, body []byte, base auditlog.Position) (store.Batch, error) {
	events, bad, err := auditlog.ParseBodyAt(body, base)
	if err != nil {
		return store.Batch{}, err
	}
	return store.Batch{Source: source, Events: events, DeadLetters: DeadLetters(source, body, base, bad)}, nil
}

// DeadLetters turns malformed-record errors into dead letters, with the raw
// record cut from body (from the record's offset to the end of its line, at
// most store.MaxDeadLetterRaw bytes) when body holds it uncompressed.
func DeadLetters(source string, body []byte, base auditlog.Position, bad []*auditlog.RecordError) []store.DeadLetter {
	out := make([]store.DeadLetter, 0, len(bad))
	for _, e := range bad {
		out = append(out, store.DeadLetter{
			Source: source, Position: e.Pos.String(), Reason: e.Err.Error(), Raw: rawAt(body, e.Pos.Offset-base.Offset),
		})
	}
	return out
}

func rawAt(body []byte, off int64) string {
	if off < 0 || off >= int64(len(body)) || auditlog.IsGzip(body) {
		return ""
	}
	rest := body[off:]
	if i := bytes.IndexByte(rest, '\n'); i >= 0 {
		rest = rest[:i]
	}
	if len(rest) > store.MaxDeadLetterRaw {
		rest = rest[:store.MaxDeadLetterRaw]
	}
	return string(rest)
}
