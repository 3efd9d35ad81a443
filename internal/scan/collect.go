package scan

import (
	"context"
	"errors"
	"io"
	"math"
	"sync"

	"github.com/honeyvault/honeyvault/internal/auditlog"
)

// collector puts the workers' results back in input order and reads what
// they left — lines that are not JSON lines — with a decoder, in order.
// Only its goroutine touches it.
type collector struct {
	s       *Scanner
	name    string
	results <-chan *result
	pending map[int]*result // results that came before their turn
	next    int             // the sequence number of the next block in order
	q       []queued        // blocks in order, from the oldest not yet done
	lines   int64           // lines in the blocks before the next to queue
	v       *validity
	pool    *sync.Pool
	tokens  chan struct{} // one per block buffer out (see scanLines)
	mapped  []byte        // the input mapped in memory, nil when it is read
	st      Stats
	events  []auditlog.Event // reused by record
	calls   map[string]bool  // Vault calls alerted on, by DedupKey and decoy (see repeatCall)
}

type queued struct {
	*result
	base int64 // lines before the block
}

// fetch queues the next block in order, waiting for it; false at the end.
func (c *collector) fetch() bool {
	for {
		if r, ok := c.pending[c.next]; ok {
			delete(c.pending, c.next)
			c.next++
			c.q = append(c.q, queued{r, c.lines})
			c.lines += r.lines
			return true
		}
		r, ok := <-c.results
		if !ok {
			return false
		}
		c.pending[r.b.seq] = r
	}
}

// run reports the input's results in order. cursor is the stream offset
// up to which everything is done, line the number of the line there once
// the decoder has set it.
func (c *collector) run(ctx context.Context) error {
	cursor, line := int64(0), int64(0)
	for {
		if len(c.q) == 0 && !c.fetch() {
			return nil
		}
		if ctx.Err() != nil {
			return nil // the caller reports ctx.Err()
		}
		qb := c.q[0]
		if qb.err != nil {
			return qb.err
		}
		if qb.b.tooLong {
			if cursor <= qb.b.offset {
				c.st.Records++
				c.st.Malformed++
				c.s.malformed(longLineError(c.name, qb.base+1, qb.b.offset))
				cursor = qb.b.offset + 1
			}
		}
		for i := range qb.segs {
			seg := &qb.segs[i]
			switch {
			case seg.end <= cursor:
			case seg.jsonLines && cursor <= seg.start:
				c.emit(seg.items, seg.st, qb.base)
				cursor = seg.end
			case seg.jsonLines:
				// The decoder read into this run of JSON lines: read the
				// rest of it again from where the decoder stopped.
				data := qb.b.data[cursor-qb.b.offset : seg.end-qb.b.offset]
				segs, _ := c.s.scanSpan(data, cursor, c.name, c.v)
				for _, sg := range segs {
					c.emit(sg.items, sg.st, line-1)
				}
				cursor = seg.end
			default:
				from, fromLine := seg.start, qb.base+seg.line
				if cursor > from { // after a skipped long line inside the run
					from, fromLine = cursor, line
				}
				var err error
				cursor, line, err = c.decode(ctx, from, fromLine)
				if err != nil {
					return err
				}
			}
		}
		for len(c.q) > 0 && c.q[0].end() <= cursor {
			c.release(c.q[0].result)
			c.q = c.q[1:]
		}
	}
}

// end is the stream offset past the block (past its first byte for a
// skipped long line, which ends where the next block starts).
func (q queued) end() int64 {
	if q.b.tooLong {
		return q.b.offset + 1
	}
	return q.b.offset + int64(len(q.b.data))
}

func (c *collector) emit(items []item, st Stats, base int64) {
	for _, it := range items {
		if it.bad != nil {
			it.bad.Pos.Line += base
			c.s.malformed(it.bad)
			continue
		}
		if c.repeatCall(it.alert) {
			if it.alert.Suppressed {
				st.Suppressed--
			} else {
				st.Alerts--
			}
			continue
		}
		it.alert.Event.Source.Line += base
		if c.s.OnAlert != nil {
			c.s.OnAlert(*it.alert)
		}
	}
	c.st.Add(st)
}

// decode reads records with a decoder from offset off, the start of line
// line, until the decoder stands between values at the start of a JSON
// line, or before a skipped long line, and returns where that is (the
// largest offset at the end of the input).
func (c *collector) decode(ctx context.Context, off, line int64) (int64, int64, error) {
	f := &feed{c: c, off: off}
	d := auditlog.NewDecoderAt(f, auditlog.Position{File: c.name, Line: line, Offset: off})
	f.d = d
	for n := 1; ; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return math.MaxInt64, 0, nil
		}
		raw, pos, err := d.NextRaw()
		if err == io.EOF {
			if c.tooLongAt(f.off) {
				return f.off, pos.Line, nil
			}
			return math.MaxInt64, 0, nil
		}
		c.record(raw, pos, err)
		var re *auditlog.RecordError
		if err != nil && !errors.As(err, &re) {
			return 0, 0, err
		}
		if p, ok := d.AtLineStart(); ok && !c.decoderAt(p.Offset) {
			return p.Offset, p.Line, nil
		}
	}
}

// record handles what the decoder returned: a malformed record, or a record
// to check against the decoys.
func (c *collector) record(raw []byte, pos auditlog.Position, err error) {
	var re *auditlog.RecordError
	if err != nil {
		if errors.As(err, &re) {
			c.st.Records++
			c.st.Malformed++
			c.s.malformed(re)
		}
		return
	}
	c.st.Records++
	if c.s.Prefilter != nil && c.v.seen.Load() && !c.s.Prefilter.Match(raw) {
		return
	}
	c.st.Parsed++
	events, err := auditlog.AppendEventsWith(c.events[:0], raw, c.s.parseOptions())
	if err != nil {
		c.st.Malformed++
		c.s.malformed(&auditlog.RecordError{Pos: pos, Err: err})
		return
	}
	c.events = events
	for i := range events {
		ev := &events[i]
		ev.Source = pos
		if isStoreRecord(ev) {
			c.v.seen.Store(true)
		}
		for _, a := range c.s.Matcher.Match(ev) {
			if !c.repeatCall(&a) {
				c.s.alert(&c.st, a)
			}
		}
	}
}

// decoderAt reports whether the line at stream offset off is one the
// workers left to the decoder (a skipped long line counts as one: the
// decoder stops before it).
func (c *collector) decoderAt(off int64) bool {
	q := c.blockAt(off)
	if q == nil {
		return c.tooLongAt(off)
	}
	for _, seg := range q.segs {
		if seg.start <= off && off < seg.end {
			return !seg.jsonLines
		}
	}
	return false
}

// blockAt returns the queued block holding stream offset off, queueing
// blocks as needed; nil at the end of the input or when off is where a
// skipped long line starts.
func (c *collector) blockAt(off int64) *queued {
	for i := 0; ; i++ {
		if i == len(c.q) && !c.fetch() {
			return nil
		}
		q := &c.q[i]
		if q.b.tooLong {
			if q.b.offset >= off {
				return nil
			}
			continue
		}
		if off < q.end() && off >= q.b.offset {
			return q
		}
	}
}

func (c *collector) tooLongAt(off int64) bool {
	for _, q := range c.q {
		if q.b.tooLong && q.b.offset == off {
			return true
		}
	}
	return false
}

// release puts a block's buffer back, or drops a mapped block's pages.
func (c *collector) release(r *result) {
	if c.mapped != nil && !r.b.tooLong {
		dropMapped(c.mapped, int(r.b.offset), int(r.b.offset)+len(r.b.data))
	}
	if r.b.buf != nil {
		c.pool.Put(r.b.buf)
		r.b.buf = nil
		<-c.tokens
	}
}

// feed is the input from a stream offset on, as the blocks hold it, for a
// decoder. It ends at the end of the input or before a skipped long line.
type feed struct {
	c   *collector
	d   *auditlog.Decoder
	off int64
}

func (f *feed) Read(p []byte) (int, error) {
	// Blocks the decoder is past are never read again (it stops at or
	// after where it is): give them back before asking for more, so that a
	// document of any size holds only a block or two.
	for len(f.c.q) > 1 && !f.c.q[0].b.tooLong && f.c.q[0].end() <= f.d.Offset() {
		f.c.release(f.c.q[0].result)
		f.c.q = f.c.q[1:]
	}
	q := f.c.blockAt(f.off)
	if q == nil {
		return 0, io.EOF
	}
	n := copy(p, q.b.data[f.off-q.b.offset:])
	f.off += int64(n)
	return n, nil
}
