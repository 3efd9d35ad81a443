package awsemu

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"sync"
	"time"
)

// LogFileKey is the object key of a CloudTrail log file, as CloudTrail
// names them in its S3 bucket:
// [prefix/]AWSLogs/{account}/CloudTrail/{region}/YYYY/MM/DD/{account}_CloudTrail_{region}_{YYYYMMDDTHHmmZ}_{16 chars}.json.gz,
// dated by t (UTC); unique is the 16-character tail.
func LogFileKey(prefix, account, region string, t time.Time, unique string) string {
	t = t.UTC()
	name := fmt.Sprintf("%s_CloudTrail_%s_%s_%s.json.gz", account, region, t.Format("20060102T1504Z"), unique)
	key := path.Join("AWSLogs", account, "CloudTrail", region, t.Format("2006/01/02"), name)
	if prefix != "" {
		key = path.Join(prefix, key)
	}
	return key
}

// EncodeLogFile is a CloudTrail log file's content: gzip of
// {"Records":[...]}.
func EncodeLogFile(recs []Record) ([]byte, error) {
	raw := make([]json.RawMessage, len(recs))
	for i, r := range recs {
		raw[i] = r.JSON
	}
	doc, err := json.Marshal(struct {
		Records []json.RawMessage `json:"Records"`
	}{raw})
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(doc); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ObjectWriter stores one log file under its key: an S3 bucket (package
// s3sink) or a directory (DirWriter).
type ObjectWriter interface {
	PutObject(ctx context.Context, key string, body []byte) error
}

// LogFileSink gathers records per region and writes them as CloudTrail
// log files through an ObjectWriter: a file when a region holds
// FileRecords records, and whatever is left on Flush. Like CloudTrail, it
// promises no order of records within or across files.
type LogFileSink struct {
	w       ObjectWriter
	account string
	prefix  string
	max     int
	now     func() time.Time

	mu      sync.Mutex
	pending map[string][]Record // by region
}

// LogFileOptions configure a LogFileSink.
type LogFileOptions struct {
	// AccountID names the account in keys (the emulator's AccountID).
	AccountID string
	// Prefix is the trail's S3 key prefix; empty for none.
	Prefix string
	// FileRecords is how many records fill a file; zero means 100.
	FileRecords int
	// Now dates the files (CloudTrail names a file by when it writes it);
	// nil means time.Now.
	Now func() time.Time
}

// NewLogFileSink makes a sink writing CloudTrail log files through w.
func NewLogFileSink(w ObjectWriter, opts LogFileOptions) (*LogFileSink, error) {
	if w == nil {
		return nil, errors.New("awsemu: log file sink: no object writer")
	}
	if !accountIDRE.MatchString(opts.AccountID) {
		return nil, fmt.Errorf("awsemu: log file sink: account id %q is not 12 digits", opts.AccountID)
	}
	if opts.FileRecords <= 0 {
		opts.FileRecords = 100
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &LogFileSink{w: w, account: opts.AccountID, prefix: opts.Prefix, max: opts.FileRecords, now: opts.Now, pending: map[string][]Record{}}, nil
}

// Write implements Sink: it buffers, writing each region's full files.
// A file that cannot be written stays buffered and is tried again on the
// next Write or Flush, which reports the error: Write itself returns nil
// once the records are buffered, so the emulator never hands them over
// twice.
func (s *LogFileSink) Write(ctx context.Context, recs []Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range recs {
		s.pending[r.Region] = append(s.pending[r.Region], r)
	}
	for region, rs := range s.pending {
		for len(rs) >= s.max {
			if err := s.writeLocked(ctx, region, rs[:s.max]); err != nil {
				break
			}
			rs = rs[s.max:]
		}
		s.pending[region] = rs
	}
	return nil
}

// Flush implements Flusher: it writes every region's partial file.
func (s *LogFileSink) Flush(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for region, rs := range s.pending {
		for len(rs) > 0 {
			n := min(len(rs), s.max)
			if err := s.writeLocked(ctx, region, rs[:n]); err != nil {
				s.pending[region] = rs
				return err
			}
			rs = rs[n:]
		}
		delete(s.pending, region)
	}
	return nil
}

func (s *LogFileSink) writeLocked(ctx context.Context, region string, rs []Record) error {
	body, err := EncodeLogFile(rs)
	if err != nil {
		return fmt.Errorf("awsemu: encode log file: %w", err)
	}
	key := LogFileKey(s.prefix, s.account, region, s.now(), randomID(16))
	if err := s.w.PutObject(ctx, key, body); err != nil {
		return fmt.Errorf("awsemu: write log file %s: %w", key, err)
	}
	return nil
}
