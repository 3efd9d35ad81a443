package scan

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/honeyvault/honeyvault/internal/auditlog"
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

type result struct {
	seq   int
	lines int64 // lines in the block
	items []item
	st    Stats
}

// scanLines is the parallel path for JSON lines: a reader cuts blocks at
// line ends, workers scan blocks, and this goroutine puts results back in
// order, numbering lines.
func (s *Scanner) scanLines(ctx context.Context, r io.Reader, name string) (Stats, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := s.workers()
	pool := s.pool
	if pool == nil {
		pool = &sync.Pool{}
	}
	blocks := make(chan *block, workers)
	results := make(chan *result, workers)

	var readErr error
	var bytesRead int64
	go func() {
		bytesRead, readErr = s.readBlocks(ctx, r, blocks, pool)
		close(blocks)
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range blocks {
				res := s.scanBlock(b, name)
				if b.buf != nil {
					pool.Put(b.buf)
				}
				results <- res
			}
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()

	var st Stats
	pending := make(map[int]*result)
	next, base := 0, int64(0)
	for res := range results {
		pending[res.seq] = res
		for {
			r, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			for _, it := range r.items {
				if it.bad != nil {
					it.bad.Pos.Line += base
					s.malformed(it.bad)
					continue
				}
				it.alert.Event.Source.Line += base
				if s.OnAlert != nil {
					s.OnAlert(*it.alert)
				}
			}
			base += r.lines
			st.Add(r.st)
		}
	}
	st.Bytes = bytesRead
	if readErr == nil {
		readErr = ctx.Err()
	}
	return st, readErr
}

// readBlocks cuts r into blocks of whole lines and sends them in order.
func (s *Scanner) readBlocks(ctx context.Context, r io.Reader, out chan<- *block, pool *sync.Pool) (int64, error) {
	size := s.blockSize()
	var carry []byte // the start of a line not yet ended
	var offset, total int64
	first := true
	for seq := 0; ; {
		if ctx.Err() != nil {
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
			return total, err
		}
		data := buf[:n]
		if first {
			first = false
			if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
				data, offset = data[3:], 3
			}
		}
		cut := bytes.LastIndexByte(data, '\n') + 1
		if eof {
			cut = len(data)
		}
		if cut == 0 && !eof {
			// No line end in a full buffer: one long line. Grow, or give up
			// on it past MaxLineSize.
			if len(data) < maxLineSize {
				carry = append(carry[:0], data...)
				pool.Put(bp)
				continue
			}
			pool.Put(bp)
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

// scanBlock scans the lines of one block. Line numbers in its results
// count from the block's first line (1); the collector adds the base.
func (s *Scanner) scanBlock(b *block, name string) *result {
	res := &result{seq: b.seq}
	if b.tooLong {
		res.lines = 1
		res.st.Records, res.st.Malformed = 1, 1
		res.items = append(res.items, item{bad: &auditlog.RecordError{
			Pos: auditlog.Position{File: name, Line: 1, Offset: b.offset},
			Err: fmt.Errorf("line longer than %d bytes", maxLineSize),
		}})
		return res
	}
	data := b.data
	for off := 0; off < len(data); {
		end := bytes.IndexByte(data[off:], '\n')
		if end < 0 {
			end = len(data)
		} else {
			end += off
		}
		res.lines++
		// The line goes with its newline, so that a record cut short says so.
		s.scanLine(res, data[off:min(end+1, len(data))], auditlog.Position{File: name, Line: res.lines, Offset: b.offset + int64(off)})
		off = end + 1
	}
	return res
}

// scanLine handles one line: parse it if it may touch a decoy, else count
// its records and check its framing.
func (s *Scanner) scanLine(res *result, line []byte, pos auditlog.Position) {
	trimmed := bytes.TrimSpace(line)
	if len(trimmed) == 0 {
		return
	}
	if s.Prefilter == nil || s.Prefilter.Match(line) {
		d := auditlog.NewDecoderBytes(line, pos)
		d.JSONLines = true
		for {
			ev, err := d.Next()
			if err == io.EOF {
				return
			}
			res.st.Records++
			if err != nil {
				res.st.Malformed++
				res.items = append(res.items, item{bad: asRecordError(err, pos)})
				continue
			}
			res.st.Parsed++
			for _, a := range s.Matcher.Match(&ev) {
				if a.Suppressed {
					res.st.Suppressed++
				} else {
					res.st.Alerts++
				}
				res.items = append(res.items, item{alert: &a})
			}
		}
	}
	if trimmed[0] == '{' && trimmed[len(trimmed)-1] == '}' && !isWrapper(trimmed) {
		res.st.Records++
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
		res.st.Records++
		if err != nil {
			res.st.Malformed++
			res.items = append(res.items, item{bad: asRecordError(err, pos)})
		}
	}
}

func asRecordError(err error, pos auditlog.Position) *auditlog.RecordError {
	if re, ok := err.(*auditlog.RecordError); ok {
		return re
	}
	return &auditlog.RecordError{Pos: pos, Err: err}
}

// isWrapper reports whether an object line is a {"records": ...} document.
func isWrapper(obj []byte) bool {
	rest := bytes.TrimLeft(obj[1:], " \t")
	const key = `"records"`
	return len(rest) >= len(key) && bytes.EqualFold(rest[:len(key)], []byte(key))
}
