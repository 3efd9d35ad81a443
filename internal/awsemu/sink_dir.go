package awsemu

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// DirWriter is an ObjectWriter that stores each object as a file under
// Dir at its key's path, the way `aws s3 sync` would mirror the bucket.
type DirWriter struct {
	Dir string
}

// PutObject implements ObjectWriter. The file appears whole: it is
// written under a temporary name and renamed.
func (d DirWriter) PutObject(_ context.Context, key string, body []byte) error {
	p := filepath.Join(d.Dir, filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("awsemu: dir sink: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".partial-*")
	if err != nil {
		return fmt.Errorf("awsemu: dir sink: %w", err)
	}
	_, werr := tmp.Write(body)
	cerr := tmp.Close()
	if werr != nil || cerr != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("awsemu: dir sink: write %s: %v %v", p, werr, cerr)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("awsemu: dir sink: %w", err)
	}
	return nil
}

// NewDirSink makes a sink that writes CloudTrail log files (.json.gz)
// under dir in the S3 layout of LogFileKey.
func NewDirSink(dir, accountID, prefix string, fileRecords int, now func() time.Time) (*LogFileSink, error) {
	return NewLogFileSink(DirWriter{Dir: dir}, LogFileOptions{AccountID: accountID, Prefix: prefix, FileRecords: fileRecords, Now: now})
}
