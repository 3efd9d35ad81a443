package kvemu

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// FileSink appends records as JSON lines to files laid out like a storage
// account's log archive under Dir: {container}/resourceId=.../PT1H.json
// (see ArchivePath). Tail-following and retro-hunt tests read them.
type FileSink struct {
	Dir string

	mu sync.Mutex // serialises appends so lines never interleave
}

// NewFileSink makes a file sink rooted at dir.
func NewFileSink(dir string) *FileSink { return &FileSink{Dir: dir} }

// Write implements Sink.
func (f *FileSink) Write(_ context.Context, b Batch) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, blob := range b.ArchiveBlobs() {
		p := filepath.Join(f.Dir, blob.Container, filepath.FromSlash(blob.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("kvemu: file sink: %w", err)
		}
		fh, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("kvemu: file sink: %w", err)
		}
		_, werr := fh.Write(blob.Lines)
		cerr := fh.Close()
		if werr != nil || cerr != nil {
			return fmt.Errorf("kvemu: file sink: append %s: %v %v", p, werr, cerr)
		}
	}
	return nil
}
