package kvemu

import (
	"bytes"
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
	files := map[string]*bytes.Buffer{}
	var order []string
	for _, r := range b.Records {
		container, blob := ArchivePath(r.Category, r.ResourceID, r.Time)
		p := filepath.Join(f.Dir, container, filepath.FromSlash(blob))
		if files[p] == nil {
			files[p] = &bytes.Buffer{}
			order = append(order, p)
		}
		files[p].Write(r.JSON)
		files[p].WriteByte('\n')
	}
	for _, p := range order {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("kvemu: file sink: %w", err)
		}
		fh, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("kvemu: file sink: %w", err)
		}
		_, werr := fh.Write(files[p].Bytes())
		cerr := fh.Close()
		if werr != nil || cerr != nil {
			return fmt.Errorf("kvemu: file sink: append %s: %v %v", p, werr, cerr)
		}
	}
	return nil
}
