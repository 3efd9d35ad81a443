package plant

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/honeyvault/honeyvault/internal/bom"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// maxNameLines bounds a names file so that a hostile one cannot exhaust memory.
const maxNameLines = 1_000_000

// LineError reports a bad line of a names file, 1-based.
type LineError struct {
	Line int
	Err  error
}

// Error formats the error for people.
func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

// Unwrap returns the underlying error, for errors.Is and errors.As.
func (e *LineError) Unwrap() error { return e.Err }

// ReadNames reads object names, one a line, as `honeyvault names --like`
// takes them: surrounding spaces, CR line ends, a UTF-8 byte-order mark and
// blank lines are ignored; any other line that is not a valid Key Vault
// object name is a *LineError. An input without names gives an empty slice.
func ReadNames(r io.Reader) ([]string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	var names []string
	line := 0
	for sc.Scan() {
		line++
		s := sc.Text()
		if line == 1 {
			s = bom.TrimString(s)
		}
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !registry.ValidObjectName(s) {
			return nil, &LineError{line, fmt.Errorf("%q is not a Key Vault object name: want 1-127 letters, digits and dashes", clip(s, 60))}
		}
		if len(names) == maxNameLines {
			return nil, &LineError{line, fmt.Errorf("more than %d names", maxNameLines)}
		}
		names = append(names, s)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, &LineError{line + 1, errors.New("line longer than 64 KiB: not a Key Vault object name")}
		}
		return nil, err
	}
	return names, nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
