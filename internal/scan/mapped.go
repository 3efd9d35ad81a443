package scan

import (
	"bytes"
	"context"
	"errors"
	"runtime/debug"

	"github.com/honeyvault/honeyvault/internal/bom"
)

// errShrank ends the scan of a mapped file cut short while it was read
// (a log rotated by copytruncate, say): its pages past the new end are
// gone, and touching them faults.
var errShrank = errors.New("the file shrank while it was read")

// guardFaults makes a fault on a mapped input a panic in the calling
// goroutine rather than the end of the program (debug.SetPanicOnFault);
// call the returned function, deferred, to undo it.
func guardFaults() func() {
	old := debug.SetPanicOnFault(true)
	return func() { debug.SetPanicOnFault(old) }
}

// faultToError, deferred in a goroutine that guardFaults, turns a fault's
// panic into errShrank in *err; any other panic goes on.
func faultToError(err *error) {
	r := recover()
	if r == nil {
		return
	}
	if _, ok := r.(interface{ Addr() uintptr }); ok {
		*err = errShrank
		return
	}
	panic(r)
}

// cutBlocks is readBlocks for an input mapped in memory: its blocks are
// slices of data cut at line ends, no copy, no buffer, no token. A line
// of maxLineSize bytes or more is sent as a tooLong block, as readBlocks
// sends it.
func (s *Scanner) cutBlocks(ctx context.Context, data []byte, out chan<- *block) (n int64, err error) {
	defer guardFaults()()
	defer faultToError(&err)
	size := s.blockSize()
	off := bom.Len(data)
	for seq := 0; off < len(data); seq++ {
		b := &block{seq: seq, offset: int64(off)}
		end := min(off+size, len(data))
		if end < len(data) {
			if cut := bytes.LastIndexByte(data[off:end], '\n'); cut >= 0 {
				end = off + cut + 1
			} else {
				// A line longer than a block: the block is that line, or
				// stands for it when it is too long to read.
				end = len(data)
				if nl := bytes.IndexByte(data[off+size:], '\n'); nl >= 0 {
					end = off + size + nl + 1
				}
				b.tooLong = len(bytes.TrimSuffix(data[off:end], []byte{'\n'})) >= maxLineSize
			}
		}
		if !b.tooLong {
			b.data = data[off:end]
		}
		select {
		case out <- b:
		case <-ctx.Done():
			return int64(len(data)), nil
		}
		off = end
	}
	return int64(len(data)), nil
}

// mappedPrefix copies the first bytes of a mapped input (up to 64 KiB, as
// Scan peeks at a read one), to tell gzip and to say what the input looks
// like when it yields nothing.
func mappedPrefix(data []byte) (prefix []byte, err error) {
	defer guardFaults()()
	defer faultToError(&err)
	return bytes.Clone(data[:min(len(data), 64<<10)]), nil
}

// scanBlockGuarded is scanBlock for a worker that guardFaults: a fault on
// the block's bytes is the block's error.
func (s *Scanner) scanBlockGuarded(b *block, name string, v *validity) (res *result) {
	var err error
	defer func() {
		if err != nil {
			res = &result{b: b, lines: 1, err: err}
		}
	}()
	defer faultToError(&err)
	return s.scanBlock(b, name, v)
}

// runGuarded is run for an input mapped in memory: a fault on its bytes
// ends the input with errShrank.
func (c *collector) runGuarded(ctx context.Context) (err error) {
	defer guardFaults()()
	defer faultToError(&err)
	return c.run(ctx)
}
