// Package scan is the retro-hunt: it runs the auditlog → detect path over
// files (or any reader) of audit records, as fast as the machine allows.
//
// Every input takes one path (see Scanner.scanLines): it is cut into blocks
// on line boundaries and the JSON lines in them (storage PT1H.json blobs,
// Event Hubs dumps, one record or one {"records":[...]} document per line)
// are searched in parallel, one worker per core. Each line first goes
// through the detect.Prefilter over its raw bytes; only lines that may name
// a decoy are parsed and matched. Whatever is not a JSON line — a
// pretty-printed document, an array spread over lines, a Log Analytics
// query answer or CSV export, a broken line — is read in order by an
// auditlog.Decoder, which decides the layout of every value, with the same
// prefilter per record; a file may switch between layouts. Gzip is detected
// from the first bytes. Results come out in input order. ScanAll takes many
// inputs — an archive of hourly blobs — and scans several at once, still
// reporting in input order.
//
// Validation is proportionate: a record that may touch a decoy is parsed
// fully and reported if malformed; any other JSON line is only checked for
// framing (it must be one JSON object or array; a cut-off line is
// reported) and its records counted, never parsed — that is where the
// speed comes from. Until an input has yielded one Key Vault record,
// though, every record is parsed: an input that yields none is the wrong
// file, and Scan says so with a *NoRecordsError instead of passing it for a
// clean one.
package scan

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
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
	// VaultCluster names the HashiCorp Vault / OpenBao cluster whose audit
	// entries the inputs hold (auditlog.ParseOptions); "" means
	// auditlog.DefaultVaultCluster.
	VaultCluster string

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
// ends the scan of r and is returned with the counts so far. An input that
// yields no Key Vault audit record (nor an Activity-log record on a vault)
// returns a *NoRecordsError.
func (s *Scanner) Scan(ctx context.Context, r io.Reader, name string) (Stats, error) {
	if s.Matcher == nil {
		return Stats{}, errors.New("scan: Scanner without a Matcher")
	}
	if f, ok := r.(*os.File); ok {
		if data, unmap, ok := mapFile(f); ok {
			defer unmap()
			if st, done, err := s.scanMapped(ctx, data, name); done {
				return st, err
			}
		}
	}
	src, err := auditlog.Decompress(r)
	if err != nil {
		return Stats{Files: 1}, fmt.Errorf("scan: %s: %w", name, err)
	}
	br := bufio.NewReaderSize(src, 64<<10)
	peek, _ := br.Peek(64 << 10)
	prefix := bytes.Clone(peek) // to say what the input looks like when it yields nothing
	st, seen, err := s.scanLines(ctx, br, nil, name)
	return s.finish(st, seen, err, name, prefix)
}

// scanMapped is Scan over a file mapped in memory; done is false when the
// file is to be read instead (gzip).
func (s *Scanner) scanMapped(ctx context.Context, data []byte, name string) (st Stats, done bool, err error) {
	prefix, err := mappedPrefix(data)
	if err != nil {
		return Stats{Files: 1}, true, fmt.Errorf("scan: %s: %w", name, err)
	}
	if auditlog.IsGzip(prefix) {
		return Stats{}, false, nil
	}
	st, seen, err := s.scanLines(ctx, nil, data, name)
	st, err = s.finish(st, seen, err, name, prefix)
	return st, true, err
}

// finish counts the input and says why it failed, if it did.
func (s *Scanner) finish(st Stats, seen bool, err error, name string, prefix []byte) (Stats, error) {
	st.Files = 1
	switch {
	case err != nil:
		err = fmt.Errorf("scan: %s: %w", name, err)
	case !seen:
		err = &NoRecordsError{Name: name, Records: st.Records, Malformed: st.Malformed, Looks: auditlog.DescribeInput(prefix)}
	}
	return st, err
}

// NoRecordsError is the error of an input in which no Key Vault record
// could be read: a retro-hunt over the wrong file must not look clean.
type NoRecordsError struct {
	Name      string
	Records   int64  // records read, none of them on a Key Vault
	Malformed int64  // of which malformed
	Looks     string // what the input looks like (auditlog.DescribeInput)
}

// Error says what was read and what the input looks like.
func (e *NoRecordsError) Error() string {
	msg := "scan: no Key Vault audit record found in " + e.Name + ": " + e.Looks
	switch {
	case e.Records == 0:
	case e.Malformed == e.Records:
		msg += " (" + records(e.Records, "malformed record") + ")"
	case e.Malformed > 0:
		msg += " (" + records(e.Records-e.Malformed, "record") + " naming no Key Vault, " + strconv.FormatInt(e.Malformed, 10) + " malformed)"
	default:
		msg += " (" + records(e.Records, "record") + " naming no Key Vault)"
	}
	return msg
}

func records(n int64, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.FormatInt(n, 10) + " " + what + "s"
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
