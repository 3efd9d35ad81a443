// Package scan is the retro-hunt: it runs the auditlog → detect path over
// files (or any reader) of audit records, as fast as the machine allows.
//
// JSON-lines input (storage PT1H.json blobs, Event Hubs dumps, one record
// or one {"records":[...]} document per line) is cut into blocks on line
// boundaries and the blocks are searched in parallel, one worker per core.
// Each line first goes through the detect.Prefilter over its raw bytes;
// only lines that may name a decoy are parsed and matched. Other inputs
// (pretty-printed documents, arrays spread over lines) are streamed by
// auditlog.Decoder record by record, with the same prefilter per record.
// Gzip is detected from the first bytes. Results come out in input order.
// ScanAll takes many inputs — an archive of hourly blobs — and scans
// several at once, still reporting in input order.
//
// Validation is proportionate: a record that may touch a decoy is parsed
// fully and reported if malformed; any other line is only checked for
// framing (it must be one JSON object or array; a cut-off line is
// reported) and its records counted, never parsed — that is where the
// speed comes from.
package scan

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/detect"
)

// DefaultBlockSize is the unit of parallel work (4 MiB): large enough that
// per-block costs vanish, small enough that both cores get work early.
const DefaultBlockSize = 4 << 20

// MaxLineSize bounds one line of JSON-lines input (64 MiB; an Event Hubs
// message is at most 1 MB). A longer line is reported and skipped.
const MaxLineSize = 64 << 20

// maxLineSize is MaxLineSize, smaller in tests.
var maxLineSize = MaxLineSize

// Scanner searches audit records for decoy accesses. Set Matcher; the other
// fields have working zero values. A Scanner may scan several inputs, one
// after the other or concurrently (the callbacks are then called from
// several goroutines, one input's results in order).
type Scanner struct {
	Matcher *detect.Matcher
	// Prefilter skips records that cannot touch a decoy; nil parses every
	// record. Build it from the same decoys as Matcher's index.
	Prefilter *detect.Prefilter
	// Workers is the number of parallel workers; 0 means GOMAXPROCS.
	Workers int
	// BlockSize is the size of a unit of parallel work; 0 means
	// DefaultBlockSize.
	BlockSize int
	// OnAlert receives every alert, suppressed ones included, in input order.
	OnAlert func(detect.Alert)
	// OnMalformed receives every malformed record, in input order.
	OnMalformed func(*auditlog.RecordError)

	pool *sync.Pool // block buffers, shared by the inputs of one ScanAll
}

// Stats counts what a scan saw.
type Stats struct {
	Files      int64 // inputs scanned
	Bytes      int64 // bytes read, after decompression
	Records    int64 // records read, malformed ones included
	Malformed  int64 // malformed records
	Parsed     int64 // records parsed because they might touch a decoy
	Alerts     int64 // alerts not suppressed
	Suppressed int64 // alerts suppressed by the allow list
}

// Add adds o's counts to s.
func (s *Stats) Add(o Stats) {
	s.Files += o.Files
	s.Bytes += o.Bytes
	s.Records += o.Records
	s.Malformed += o.Malformed
	s.Parsed += o.Parsed
	s.Alerts += o.Alerts
	s.Suppressed += o.Suppressed
}

// ScanFile scans the file at path, named path in positions.
func (s *Scanner) ScanFile(ctx context.Context, path string) (Stats, error) {
	f, err := os.Open(path)
	if err != nil {
		return Stats{}, fmt.Errorf("scan: %w", err)
	}
	defer f.Close()
	return s.Scan(ctx, f, path)
}

// Scan reads records of any shape from r (gzip or not) and reports alerts
// and malformed records through the callbacks. name labels positions. A
// malformed record is reported and skipped; a read or decompression error
// ends the scan of r and is returned with the counts so far.
func (s *Scanner) Scan(ctx context.Context, r io.Reader, name string) (Stats, error) {
	if s.Matcher == nil {
		return Stats{}, errors.New("scan: Scanner without a Matcher")
	}
	src, err := auditlog.Decompress(r)
	if err != nil {
		return Stats{Files: 1}, fmt.Errorf("scan: %s: %w", name, err)
	}
	br := bufio.NewReaderSize(src, 64<<10)
	prefix, _ := br.Peek(64 << 10)
	var st Stats
	if auditlog.LooksLikeJSONLines(prefix) {
		st, err = s.scanLines(ctx, br, name)
	} else {
		st, err = s.scanStream(ctx, br, name)
	}
	st.Files = 1
	if err != nil {
		err = fmt.Errorf("scan: %s: %w", name, err)
	}
	return st, err
}

// scanStream reads a document record by record.
func (s *Scanner) scanStream(ctx context.Context, r io.Reader, name string) (Stats, error) {
	var st Stats
	cr := &countingReader{r: r}
	d := auditlog.NewDecoder(cr, name)
	for n := 0; ; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return st, ctx.Err()
		}
		raw, pos, err := d.NextRaw()
		if err == io.EOF {
			break
		}
		var re *auditlog.RecordError
		if errors.As(err, &re) {
			st.Records++
			st.Malformed++
			s.malformed(re)
			continue
		}
		if err != nil {
			st.Bytes = cr.n
			return st, err
		}
		st.Records++
		if s.Prefilter != nil && !s.Prefilter.Match(raw) {
			continue
		}
		st.Parsed++
		ev, err := auditlog.ParseRecord(raw)
		if err != nil {
			st.Malformed++
			s.malformed(&auditlog.RecordError{Pos: pos, Err: err})
			continue
		}
		ev.Source = pos
		for _, a := range s.Matcher.Match(&ev) {
			s.alert(&st, a)
		}
	}
	st.Bytes = cr.n
	return st, nil
}

func (s *Scanner) alert(st *Stats, a detect.Alert) {
	if a.Suppressed {
		st.Suppressed++
	} else {
		st.Alerts++
	}
	if s.OnAlert != nil {
		s.OnAlert(a)
	}
}

func (s *Scanner) malformed(re *auditlog.RecordError) {
	if s.OnMalformed != nil {
		s.OnMalformed(re)
	}
}

func (s *Scanner) workers() int {
	if s.Workers > 0 {
		return s.Workers
	}
	return runtime.GOMAXPROCS(0)
}

func (s *Scanner) blockSize() int {
	if s.BlockSize > 0 {
		return s.BlockSize
	}
	return DefaultBlockSize
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
