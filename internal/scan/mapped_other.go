//go:build !unix

package scan

import "os"

// mapFile maps nothing here: files are read.
func mapFile(*os.File) (data []byte, unmap func(), ok bool) { return nil, nil, false }

// dropMapped has nothing to drop here.
func dropMapped([]byte, int, int) {}
