package vaultsocket

import (
	"bufio"
	"bytes"
)

// lineReader reads bounded lines from a connection and counts them.
type lineReader struct {
	br   *bufio.Reader
	max  int   // bytes a line may take, its newline included
	line int64 // lines read
	off  int64 // bytes read
}

// next returns the next line with its newline (without one when the
// connection ended mid-line). A line longer than max is read to its end
// and dropped: tooLong is set and line is nil. err is the read error that
// ended the connection (io.EOF when the peer closed it).
func (r *lineReader) next() (line []byte, tooLong bool, err error) {
	for {
		frag, err := r.br.ReadSlice('\n')
		r.off += int64(len(frag))
		if !tooLong {
			if len(line)+len(frag) > r.max {
				tooLong, line = true, nil
			} else {
				line = append(line, frag...)
			}
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == nil:
			r.line++
			return line, tooLong, nil
		}
		if len(line) > 0 || tooLong {
			r.line++
		}
		return line, tooLong, err
	}
}

// lineWaiting reports whether a whole line is already received, so that
// reading it does not wait for the peer.
func (r *lineReader) lineWaiting() bool {
	b, _ := r.br.Peek(r.br.Buffered())
	return bytes.IndexByte(b, '\n') >= 0
}
