package file

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/bom"
	"github.com/honeyvault/honeyvault/internal/ingest/source"
	"github.com/honeyvault/honeyvault/internal/storable"
	"github.com/honeyvault/honeyvault/internal/store"
)

// DefaultPatterns select files in a directory when none are configured:
// JSON lines and documents, compressed or not, and the portal's CSV exports
// of Log Analytics tables.
var DefaultPatterns = []string{"*.json", "*.jsonl", "*.ndjson", "*.log", "*.gz", "*.csv"}

// DefaultSettle is how long a file must be unmodified before its last line
// without a line end, or a document that does not end like one, is taken
// as complete.
const DefaultSettle = time.Minute

// Config says what to follow.
type Config struct {
	Name     string   // the source's name (Batch.Source, checkpoint key)
	Path     string   // a file, or a directory searched recursively
	Patterns []string // base-name globs for files under a directory; nil: DefaultPatterns
	Settle   time.Duration
	// VaultCluster names the HashiCorp Vault / OpenBao cluster whose audit
	// device writes the files (see auditlog.ParseOptions); "" means
	// auditlog.DefaultVaultCluster. Key Vault records ignore it.
	VaultCluster string
}

// Source follows the files of one Config. It is a source.Poller; it is not
// safe for concurrent polls.
type Source struct {
	cfg  Config
	cps  source.Checkpoints
	log  *slog.Logger
	now  func() time.Time
	done map[string]checkpoint // checkpoints this process committed, newer than a read of the store
	// chunk is how much of a JSON-lines file is read at a time;
	// source.ChunkSize but in tests.
	chunk int
}

// New returns a source reading cfg.Path, resuming from the checkpoints in cps.
func New(cfg Config, cps source.Checkpoints, log *slog.Logger) *Source {
	if cfg.Patterns == nil {
		cfg.Patterns = DefaultPatterns
	}
	if cfg.Settle <= 0 {
		cfg.Settle = DefaultSettle
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Source{cfg: cfg, cps: cps, log: log, now: time.Now, chunk: source.ChunkSize}
}

// item is the checkpoint key of the file at path: the path in its storable
// form (a file name need not be UTF-8; see package storable).
func item(path string) string { return storable.Text(path) }

// Poll reads what the files gained since the last poll. A file that cannot
// be read does not hold up the others; the first such error is returned
// after all were tried.
func (s *Source) Poll(ctx context.Context, sub source.Submitter) (bool, error) {
	files, err := s.list()
	if err != nil {
		return false, err
	}
	saved, err := s.cps.Checkpoints(ctx, s.cfg.Name)
	if err != nil {
		return false, err
	}
	if err := s.forget(ctx, saved, files); err != nil {
		return false, err
	}
	var first error
	for _, path := range files {
		if err := s.follow(ctx, sub, path, saved[item(path)]); err != nil {
			if ctx.Err() != nil || isSubmitError(err) {
				return false, err
			}
			s.log.Warn("file source: unable to read", "source", s.cfg.Name, "file", path, "err", err)
			if first == nil {
				first = err
			}
		}
	}
	return false, first
}

// forget drops the checkpoints of files that no longer exist (rotated away
// and deleted), so the checkpoint table does not grow without end. A file
// merely missing from the listing (an unreadable directory) keeps its
// checkpoint.
func (s *Source) forget(ctx context.Context, saved map[string]string, listed []string) error {
	items := make([]string, len(listed))
	for i, path := range listed {
		items[i] = item(path)
	}
	var gone []string
	for _, path := range source.Gone(saved, items) { // a path not UTF-8 is gone when its directory is unreadable too
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			gone = append(gone, path)
		}
	}
	if len(gone) == 0 {
		return nil
	}
	return s.cps.DeleteCheckpoints(ctx, s.cfg.Name, gone)
}

// list returns the files to follow, sorted by name.
func (s *Source) list() ([]string, error) {
	fi, err := os.Stat(s.cfg.Path)
	if err != nil {
		return nil, fmt.Errorf("file source %s: %w", s.cfg.Name, err)
	}
	if !fi.IsDir() {
		return []string{s.cfg.Path}, nil
	}
	var out []string
	err = filepath.WalkDir(s.cfg.Path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == s.cfg.Path {
				return err
			}
			s.log.Warn("file source: skipping", "source", s.cfg.Name, "path", p, "err", err)
			return nil
		}
		if p != s.cfg.Path && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() && s.matches(d.Name()) {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("file source %s: %w", s.cfg.Name, err)
	}
	slices.Sort(out)
	return out, nil
}

func (s *Source) matches(name string) bool {
	for _, p := range s.cfg.Patterns {
		if ok, _ := filepath.Match(p, name); ok {
			return true
		}
	}
	return false
}

// submitError marks a failed Submit: the poll stops at once, since every
// later batch would fail the same way.
type submitError struct{ err error }

func (e submitError) Error() string { return e.err.Error() }
func (e submitError) Unwrap() error { return e.err }

func isSubmitError(err error) bool {
	var se submitError
	return errors.As(err, &se)
}

func (s *Source) submit(ctx context.Context, sub source.Submitter, b store.Batch) error {
	b.Source = s.cfg.Name
	if _, err := sub.Submit(ctx, b); err != nil {
		return submitError{err}
	}
	return nil
}

// follow reads one file from its checkpoint.
func (s *Source) follow(ctx context.Context, sub source.Submitter, path, saved string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	cp, known := parseCheckpoint(saved)
	ino, size, mtime := inode(fi), fi.Size(), fi.ModTime().UnixNano()
	if known && cp.Inode == ino && cp.Size == size && cp.MTime == mtime {
		return nil // unchanged since it was last read
	}
	if known && s.replaced(f, cp, ino, size) {
		s.log.Info("file source: file rotated or truncated, reading it from the start", "source", s.cfg.Name, "file", path)
		cp, known = checkpoint{Line: 1}, false
	}
	settled := s.now().Sub(fi.ModTime()) >= s.cfg.Settle
	if known && !cp.Whole && cp.Offset > 0 {
		cp.Inode, cp.Size, cp.MTime = ino, size, mtime
		return s.readLines(ctx, sub, f, path, cp, settled)
	}
	// New, or read whole before and changed since: decide the layout
	// afresh (a one-line file may have become JSON lines).
	head := make([]byte, min(size, int64(s.chunk)))
	if _, err := f.ReadAt(head, 0); err != nil && err != io.EOF {
		return err
	}
	cp = checkpoint{Line: 1, Inode: ino, Size: size, MTime: mtime}
	if auditlog.IsGzip(head) {
		return s.readWhole(ctx, sub, f, path, cp, head, settled)
	}
	switch source.DetectLayout(head) {
	case source.LayoutUnknown:
		return nil // empty or blank so far
	case source.LayoutDocument:
		return s.readWhole(ctx, sub, f, path, cp, head, settled)
	}
	if isOtherCSV(path, head) {
		return s.notRecords(ctx, sub, path, cp, head, settled)
	}
	return s.readLines(ctx, sub, f, path, cp, settled)
}

// isOtherCSV reports whether the file at path is a .csv file that is
// neither a Log Analytics export nor JSON: a watchlist, a spreadsheet.
func isOtherCSV(path string, head []byte) bool {
	t := bom.TrimBlank(head)
	return strings.EqualFold(filepath.Ext(path), ".csv") && len(t) > 0 && t[0] != '{' && t[0] != '[' && !auditlog.IsCSVExport(t)
}

// notRecords marks a settled file that holds no audit records as read, with
// one dead letter saying what it looks like rather than one per line
// (which would copy a watchlist's decoy names, line by line, into the
// dead letters). It is looked at again if it changes.
func (s *Source) notRecords(ctx context.Context, sub source.Submitter, path string, cp checkpoint, head []byte, settled bool) error {
	if !settled {
		return nil
	}
	cp.Whole, cp.Offset, cp.Line = true, 0, 1
	cp.HeadLen = min(cp.Size, headLen)
	cp.Head = hashHead(head[:cp.HeadLen])
	s.log.Warn("file source: not audit records, dead-lettered", "source", s.cfg.Name, "file", path)
	return s.submit(ctx, sub, store.Batch{
		DeadLetters: []store.DeadLetter{{Position: path, Reason: "no Key Vault audit records: " + auditlog.DescribeInput(head)}},
		Checkpoints: []store.Checkpoint{{Source: s.cfg.Name, Item: item(path), Value: cp.String()}},
	})
}

// replaced reports whether the file is no longer the one the checkpoint
// describes: another inode, shorter than what was read, or different first
// bytes (truncated and rewritten past the old offset before this poll).
func (s *Source) replaced(f *os.File, cp checkpoint, ino uint64, size int64) bool {
	if cp.Inode != ino || size < cp.Offset || (cp.Whole && size < cp.Size) {
		return true
	}
	if cp.HeadLen == 0 || size < cp.HeadLen {
		return cp.HeadLen > size
	}
	b := make([]byte, cp.HeadLen)
	if _, err := f.ReadAt(b, 0); err != nil {
		return true
	}
	return hashHead(b) != cp.Head
}

// readLines reads complete lines from the checkpoint to the end, a chunk
// per batch, each batch carrying the offset after it.
func (s *Source) readLines(ctx context.Context, sub source.Submitter, f *os.File, path string, cp checkpoint, settled bool) error {
	buf := make([]byte, s.chunk)
	for cp.Offset < cp.Size {
		n, err := f.ReadAt(buf[:min(int64(len(buf)), cp.Size-cp.Offset)], cp.Offset)
		if err != nil && err != io.EOF {
			return err
		}
		chunk := buf[:n]
		base := auditlog.Position{File: path, Line: cp.Line, Offset: cp.Offset}
		var b store.Batch
		var read, lines int64
		switch complete := source.CompleteLines(chunk); {
		case len(complete) > 0 || settled && n > 0 && n < len(buf):
			if len(complete) == 0 {
				complete = chunk // settled: the last line will get no line end
			}
			if b.Events, b.DeadLetters, err = s.decoding().Chunk(complete, base); err != nil {
				return err
			}
			read, lines = int64(len(complete)), int64(bytes.Count(complete, []byte{'\n'}))
		case n == len(buf):
			// A line longer than a chunk holds a whole document (a query
			// API answer, {"records":[...]}): stream it record by record.
			end, found, err := lineEnd(f, cp.Offset+int64(n), cp.Size)
			switch {
			case err != nil:
				return err
			case !found && !settled:
				return nil // still being written
			}
			if b, err = s.streamLine(ctx, sub, f, base, end); err != nil {
				return err
			}
			read = end - cp.Offset
			if found {
				lines = 1
			}
		default:
			return nil // a line still being written
		}
		next := cp
		next.Offset += read
		next.Line += lines
		if next.HeadLen < headLen {
			next.HeadLen = min(next.Offset, headLen)
			hb := make([]byte, next.HeadLen)
			if _, err := f.ReadAt(hb, 0); err != nil {
				return err
			}
			next.Head = hashHead(hb)
		}
		if next.Offset < cp.Size {
			// More to read: the size and time describe the whole file, and
			// must not let a restart skip what remains.
			next.Size, next.MTime = -1, 0
		}
		b.Checkpoints = []store.Checkpoint{{Source: s.cfg.Name, Item: item(path), Value: next.String()}}
		if err := s.submit(ctx, sub, b); err != nil {
			return err
		}
		size := cp.Size
		cp = next
		cp.Size = size
	}
	return nil
}

// lineEnd returns the offset after the first line end at or after from
// (before size), reading a block at a time; found is false, and end is
// size, when there is none.
func lineEnd(f *os.File, from, size int64) (end int64, found bool, err error) {
	buf := make([]byte, 64<<10)
	for off := from; off < size; {
		n, err := f.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
		if err != nil && err != io.EOF {
			return 0, false, err
		}
		if i := bytes.IndexByte(buf[:n], '\n'); i >= 0 {
			return off + int64(i) + 1, true, nil
		}
		if n == 0 {
			break
		}
		off += int64(n)
	}
	return size, false, nil
}

// streamLine decodes the line from base to end with bounded memory,
// submitting full batches as it goes (without a checkpoint: a restart reads
// the line again, and dedupe drops what was stored), and returns the last
// batch for the caller to submit with the checkpoint past the line.
func (s *Source) streamLine(ctx context.Context, sub source.Submitter, f *os.File, base auditlog.Position, end int64) (store.Batch, error) {
	var last store.Batch
	r := io.NewSectionReader(f, base.Offset, end-base.Offset)
	err := s.decoding().StreamAt(r, base, func(events []auditlog.Event, dead []store.DeadLetter, final bool) error {
		if final {
			last = store.Batch{Events: events, DeadLetters: dead}
			return nil
		}
		return s.submit(ctx, sub, store.Batch{Events: events, DeadLetters: dead})
	})
	return last, err
}

// readWhole reads a document or a .gz file whole, in batches; the
// checkpoint goes with the last one.
func (s *Source) readWhole(ctx context.Context, sub source.Submitter, f *os.File, path string, cp checkpoint, head []byte, settled bool) error {
	if !auditlog.IsGzip(head) && !settled {
		tail := make([]byte, min(cp.Size, 64))
		if _, err := f.ReadAt(tail, cp.Size-int64(len(tail))); err != nil && err != io.EOF {
			return err
		}
		if !source.DocumentComplete(tail) {
			return nil // still being written
		}
	}
	cp.Whole, cp.Offset, cp.Line = true, 0, 1
	cp.HeadLen = min(cp.Size, headLen)
	cp.Head = hashHead(head[:cp.HeadLen])
	r := io.NewSectionReader(f, 0, cp.Size)
	err := s.decoding().Stream(r, path, func(events []auditlog.Event, dead []store.DeadLetter, last bool) error {
		b := store.Batch{Events: events, DeadLetters: dead}
		if last {
			b.Checkpoints = []store.Checkpoint{{Source: s.cfg.Name, Item: item(path), Value: cp.String()}}
		}
		return s.submit(ctx, sub, b)
	})
	if err == nil || isSubmitError(err) || ctx.Err() != nil {
		return err
	}
	if !settled {
		return nil // perhaps still being written: try again on a later poll
	}
	// A corrupt archive will not get better: keep the reason, mark it read,
	// and go on. It is read again if it changes.
	s.log.Warn("file source: unreadable file dead-lettered", "source", s.cfg.Name, "file", path, "err", err)
	return s.submit(ctx, sub, store.Batch{
		DeadLetters: []store.DeadLetter{{Position: path, Reason: err.Error()}},
		Checkpoints: []store.Checkpoint{{Source: s.cfg.Name, Item: item(path), Value: cp.String()}},
	})
}

func (s *Source) decoding() source.Decoding {
	return source.Decoding{Source: s.cfg.Name, Options: auditlog.ParseOptions{VaultCluster: s.cfg.VaultCluster}}
}
