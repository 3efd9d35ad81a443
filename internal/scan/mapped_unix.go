//go:build unix

package scan

import (
	"io"
	"os"
	"syscall"
)

// mapFile maps the file f read-only when it is a regular file, not empty,
// read from its start; ok is false otherwise (read it instead). Mapping
// spares the copy read(2) makes of every byte: a fifth of a retro-hunt's
// time over a file in the page cache went to that copy.
func mapFile(f *os.File) (data []byte, unmap func(), ok bool) {
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() || st.Size() == 0 || int64(int(st.Size())) != st.Size() {
		return nil, nil, false
	}
	if at, err := f.Seek(0, io.SeekCurrent); err != nil || at != 0 {
		return nil, nil, false
	}
	data, err = syscall.Mmap(int(f.Fd()), 0, int(st.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, false
	}
	return data, func() { syscall.Munmap(data) }, true
}

// dropMapped lets the pages of a mapped input that lie wholly in
// data[from:to] go from the process (they stay in the page cache): a block
// the scan is done with no longer counts in its resident memory, which
// otherwise grows to the size of the file.
func dropMapped(data []byte, from, to int) {
	page := os.Getpagesize()
	from = (from + page - 1) / page * page
	to = to / page * page
	if from < to {
		_ = syscall.Madvise(data[from:to], syscall.MADV_DONTNEED)
	}
}
