//go:build unix

package file

import (
	"io/fs"
	"syscall"
)

// inode identifies the file behind a name, to notice rotation.
func inode(fi fs.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Ino)
	}
	return 0
}
