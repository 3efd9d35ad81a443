package scan

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/bom"
	"github.com/honeyvault/honeyvault/internal/detect"
)

// block is a run of whole lines, the unit of parallel work.
type block struct {
	seq     int
	buf     *[]byte // pooled backing array of data
	data    []byte
	offset  int64 // stream offset of data[0]
	tooLong bool  // stands for one line longer than MaxLineSize, skipped
}

// item is one result of a block, in line order.
type item struct {
	alert *detect.Alert
	bad   *auditlog.RecordError
}

// segment is a run of lines of one kind in a block: JSON lines, which the
// worker read (results in items and st, lines numbered from the block's
// first), or lines of anything else, left to the collector's decoder.
type segment struct {
	start, end int64 // stream offsets of its first byte and past its last line
	line       int64 // number of its first line in the block (1-based)
	jsonLines  bool
	items      []item
	st         Stats
}

type result struct {
	b     *block
	lines int64 // lines in the block
	segs  []segment
	err   error // ends the input: its bytes could not be read (errShrank)
}

// validity remembers whether an input has yielded a record of a store
// honeyvault watches yet (see isStoreRecord). Until it has, every record
// is parsed — not only those the prefilter lets through — so that an input
// with none (the wrong file) is recognised; the first good record switches
// the workers to the fast path.
type validity struct{ seen atomic.Bool }

// scanLines is the retro-hunt's one path for every layout. A reader cuts
// the input into blocks at line ends; workers, one per core, read the JSON
// lines of their block (a line that starts with '{' and ends with '}', or
// '[' and ']') and leave the other lines alone; the collector, this
// goroutine, puts the results back in order and, at the first line that is
// not a JSON line, reads on with an auditlog.Decoder — which decides the
// layout of every value — until the decoder is back between values at the
// start of a JSON line. A file of JSON lines is all parallel; a
// pretty-printed document, a query API answer or a CSV export is read by
// the decoder; a file that switches between them is read by each in turn.
//
// seen reports whether the input yielded a Key Vault record.
//
// When mapped is not nil it is the whole input, mapped in memory, and r is
// not read: the blocks are cut from it (cutBlocks).
func (s *Scanner) scanLines(ctx context.Context, r io.Reader, mapped []byte, name string) (st Stats, seen bool, err error) {
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	workers := s.workers()
	pool := s.pool
	if pool == nil {
		pool = &sync.Pool{}
	}
	blocks := make(chan *block, workers)
	results := make(chan *result, workers)
	// A block's buffer is held until the collector is done with it; tokens
	// bound how many there are: one being read, one per worker, one waiting
	// its turn, and what the decoder may read ahead of where it is (its
	// buffer, or a CSV row) — fewer would leave it waiting for a block that
	// cannot be read.
	const decoderAhead = auditlog.DefaultMaxRecordSize + 256<<10
	tokens := make(chan struct{}, workers+2+decoderAhead/s.blockSize()+2)
	v := &validity{}

	var readErr error
	var bytesRead int64
	go func() {
		if mapped != nil {
			bytesRead, readErr = s.cutBlocks(ctx, mapped, blocks)
		} else {
			bytesRead, readErr = s.readBlocks(ctx, r, blocks, pool, tokens)
		}
		close(blocks)
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if mapped != nil {
				defer guardFaults()()
			}
			for b := range blocks {
				results <- s.scanBlockGuarded(b, name, v)
			}
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()

	c := &collector{s: s, name: name, results: results, pending: map[int]*result{}, v: v, pool: pool, tokens: tokens, mapped: mapped}
	if mapped != nil {
		err = c.runGuarded(ctx)
	} else {
		err = c.run(ctx)
	}
	cancel()
	for res := range results { // let the reader and the workers finish
		c.release(res)
	}
	for _, q := range c.q {
		c.release(q.result)
	}
	for _, res := range c.pending {
		c.release(res)
	}
	c.st.Bytes = bytesRead
	if err == nil {
		err = readErr
	}
	if err == nil {
		err = parent.Err()
	}
	return c.st, v.seen.Load(), err
}

// readBlocks cuts r into blocks of whole lines and sends them in order.
// It takes a token for each block it sends with a buffer (the collector
// gives it back).
func (s *Scanner) readBlocks(ctx context.Context, r io.Reader, out chan<- *block, pool *sync.Pool, tokens chan struct{}) (int64, error) {
	size := s.blockSize()
	var carry []byte // the start of a line not yet ended
	var offset, total int64
	first := true
	for seq := 0; ; {
		select {
		case tokens <- struct{}{}:
		case <-ctx.Done():
			return total, nil
		}
		bp := getBuf(pool, max(size, 2*len(carry)))
		buf := *bp
		n := copy(buf, carry)
		m, err := fill(r, buf[n:])
		total += int64(m)
		n += m
		eof := err == io.EOF
		if err != nil && !eof {
			pool.Put(bp)
			<-tokens
			return total, err
		}
		data := buf[:n]
		if first {
			first = false
			skip := bom.Len(data)
			data, offset = data[skip:], int64(skip)
		}
		cut := bytes.LastIndexByte(data, '\n') + 1
		if eof {
			cut = len(data)
		}
		if cut == 0 && !eof {
			// No line end in a full buffer: one long line. Grow, or give up
			// on it past MaxLineSize.
			pool.Put(bp)
			<-tokens
			if len(data) < maxLineSize {
				carry = append(carry[:0], data...)
				continue
			}
			out <- &block{seq: seq, offset: offset, tooLong: true}
			seq++
			skipped, rest, err := skipLine(r)
			total += skipped
			offset += int64(len(data)) + skipped - int64(len(rest))
			carry = append(carry[:0], rest...)
			if err == io.EOF {
				return total, nil
			}
			if err != nil {
				return total, err
			}
			continue
		}
		carry = append(carry[:0], data[cut:]...)
		if cut > 0 {
			out <- &block{seq: seq, buf: bp, data: data[:cut], offset: offset}
			seq++
			offset += int64(cut)
		} else {
			pool.Put(bp)
			<-tokens
		}
		if eof {
			return total, nil
		}
	}
}

// fill reads until buf is full or r fails; unlike io.ReadFull it keeps a
// reader's own io.ErrUnexpectedEOF (a truncated gzip stream) apart from
// the plain end of input.
func fill(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// skipLine reads past the next newline; rest is what came after it.
func skipLine(r io.Reader) (n int64, rest []byte, err error) {
	buf := make([]byte, 64<<10)
	for {
		m, err := r.Read(buf)
		n += int64(m)
		if i := bytes.IndexByte(buf[:m], '\n'); i >= 0 {
			return n, buf[i+1 : m], nil
		}
		if err != nil {
			return n, nil, err
		}
	}
}

func getBuf(pool *sync.Pool, size int) *[]byte {
	if bp, ok := pool.Get().(*[]byte); ok && cap(*bp) >= size {
		*bp = (*bp)[:cap(*bp)]
		return bp
	}
	b := make([]byte, size)
	return &b
}

// scanBlock reads the JSON lines of one block.
func (s *Scanner) scanBlock(b *block, name string, v *validity) *result {
	res := &result{b: b}
	if b.tooLong {
		res.lines = 1
		return res
	}
	res.segs, res.lines = s.scanSpan(b.data, b.offset, name, v)
	return res
}

// scanSpan reads the JSON lines of data, whole lines starting at stream
// offset offset, and splits it into segments. Line numbers in the results
// count from data's first line (1).
func (s *Scanner) scanSpan(data []byte, offset int64, name string, v *validity) (segs []segment, lines int64) {
	for off := 0; off < len(data); {
		end := bytes.IndexByte(data[off:], '\n')
		if end < 0 {
			end = len(data)
		} else {
			end += off + 1 // the line goes with its newline, so that a record cut short says so
		}
		lines++
		line := data[off:end]
		trimmed := trimBlank(line)
		isJSONLine := jsonLine(trimmed)
		if len(segs) == 0 || segs[len(segs)-1].jsonLines != isJSONLine {
			segs = append(segs, segment{start: offset + int64(off), line: lines, jsonLines: isJSONLine})
		}
		seg := &segs[len(segs)-1]
		seg.end = offset + int64(end)
		if isJSONLine && len(trimmed) > 0 {
			s.scanLine(seg, line, trimmed, auditlog.Position{File: name, Line: lines, Offset: offset + int64(off)}, v)
		}
		off = end
	}
	return segs, lines
}

// jsonLine reports whether a line (without its leading and trailing
// blanks) is blank or a JSON line as the decoder takes it without looking
// further: it starts with '{' and ends with '}', or starts with '[' and
// ends with ']' (see auditlog.Decoder).
func jsonLine(t []byte) bool {
	if len(t) == 0 {
		return true
	}
	first, last := t[0], t[len(t)-1]
	return first == '{' && last == '}' || first == '[' && last == ']'
}

// trimBlank cuts the blanks the decoder skips between values (space, tab,
// CR, LF) from both ends of b.
func trimBlank(b []byte) []byte {
	i, j := 0, len(b)
	for i < j && isBlank(b[i]) {
		i++
	}
	for j > i && isBlank(b[j-1]) {
		j--
	}
	return b[i:j]
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// scanLine handles one JSON line (trimmed: without blanks around): parse it if it may touch a decoy (or
// while the input has yielded no Key Vault record), else count its records
// and check its framing.
func (s *Scanner) scanLine(seg *segment, line, trimmed []byte, pos auditlog.Position, v *validity) {
	if s.Prefilter == nil || !v.seen.Load() || s.Prefilter.Match(line) {
		// Record by record: a line may hold a document or a query answer
		// of thousands, most of which the prefilter turns away.
		d := auditlog.NewDecoderBytes(line, pos)
		d.JSONLines = true
		for {
			raw, rpos, err := d.NextRaw()
			if err == io.EOF {
				return
			}
			seg.st.Records++
			if err != nil {
				seg.st.Malformed++
				seg.items = append(seg.items, item{bad: asRecordError(err, pos)})
				continue
			}
			if s.Prefilter != nil && v.seen.Load() && !s.Prefilter.Match(raw) {
				continue
			}
			seg.st.Parsed++
			var one [1]auditlog.Event
			events, err := auditlog.AppendEventsWith(one[:0], raw, s.parseOptions())
			if err != nil {
				seg.st.Malformed++
				seg.items = append(seg.items, item{bad: &auditlog.RecordError{Pos: rpos, Err: err}})
				continue
			}
			for i := range events {
				ev := &events[i]
				ev.Source = rpos
				if isStoreRecord(ev) {
					v.seen.Store(true)
				}
				for _, a := range s.Matcher.Match(ev) {
					if a.Suppressed {
						seg.st.Suppressed++
					} else {
						seg.st.Alerts++
					}
					seg.items = append(seg.items, item{alert: &a})
				}
			}
		}
	}
	if trimmed[0] == '{' && trimmed[len(trimmed)-1] == '}' && !isWrapper(trimmed) {
		seg.st.Records++
		return
	}
	// A wrapper, an array, or a broken line: split it (without parsing
	// records) to count its records and report broken framing.
	d := auditlog.NewDecoderBytes(line, pos)
	d.JSONLines = true
	for {
		_, _, err := d.NextRaw()
		if err == io.EOF {
			return
		}
		seg.st.Records++
		if err != nil {
			seg.st.Malformed++
			seg.items = append(seg.items, item{bad: asRecordError(err, pos)})
		}
	}
}

func asRecordError(err error, pos auditlog.Position) *auditlog.RecordError {
	if re, ok := err.(*auditlog.RecordError); ok {
		return re
	}
	return &auditlog.RecordError{Pos: pos, Err: err}
}

// isWrapper reports whether an object line is a {"records": ...} document
// or a query answer ({"tables": ...}), which hold several records.
func isWrapper(obj []byte) bool {
	rest := bytes.TrimLeft(obj[1:], " \t")
	for _, key := range []string{`"records"`, `"tables"`} {
		if len(rest) >= len(key) && bytes.EqualFold(rest[:len(key)], []byte(key)) {
			return true
		}
	}
	return false
}

// longLineError reports a line the reader skipped.
func longLineError(name string, line, offset int64) *auditlog.RecordError {
	return &auditlog.RecordError{
		Pos: auditlog.Position{File: name, Line: line, Offset: offset},
		Err: fmt.Errorf("line longer than %d bytes", maxLineSize),
	}
}
