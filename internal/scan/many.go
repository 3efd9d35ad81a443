package scan

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/detect"
)

// Input is one thing to scan.
type Input struct {
	Name string // labels positions
	Open func() (io.ReadCloser, error)
}

// FileInput opens the file at path.
func FileInput(path string) Input {
	return Input{Name: path, Open: func() (io.ReadCloser, error) { return os.Open(path) }}
}

// ScanAll scans inputs, several at a time — a storage archive is thousands
// of hourly files, each too small to split between cores — and reports
// their results in input order: everything of input i before anything of
// input i+1, the callbacks never called concurrently. The input at the head
// of the order reports as it goes; those ahead of it hold their results
// until it is done. It returns the totals and, for each input, the error
// that ended its scan (nil when it was read to the end).
func (s *Scanner) ScanAll(ctx context.Context, inputs []Input) (Stats, []error) {
	errs := make([]error, len(inputs))
	sinks := make([]*sink, len(inputs))
	for i := range sinks {
		sinks[i] = &sink{parent: s, direct: i == 0}
	}
	var (
		mu    sync.Mutex
		total Stats
		done  = make([]bool, len(inputs))
		head  = 0
		wg    sync.WaitGroup
		slots = make(chan struct{}, s.workers())
		pool  = &sync.Pool{}
	)
	for i, in := range inputs {
		slots <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			child := *s
			child.pool = pool
			child.OnAlert, child.OnMalformed = sinks[i].alert, sinks[i].malformed
			st, err := child.scanInput(ctx, in)
			mu.Lock()
			defer mu.Unlock()
			total.Add(st)
			errs[i] = err
			done[i] = true
			for head < len(inputs) && done[head] {
				head++
				if head < len(inputs) {
					sinks[head].promote()
				}
			}
		}()
	}
	wg.Wait()
	return total, errs
}

func (s *Scanner) scanInput(ctx context.Context, in Input) (Stats, error) {
	if err := ctx.Err(); err != nil {
		return Stats{}, err
	}
	rc, err := in.Open()
	if err != nil {
		return Stats{}, fmt.Errorf("scan: %w", err)
	}
	defer rc.Close()
	return s.Scan(ctx, rc, in.Name)
}

// sink holds one input's results until the input is at the head of the
// order, then passes them on as they come.
type sink struct {
	mu     sync.Mutex
	parent *Scanner
	direct bool
	items  []item
}

func (k *sink) alert(a detect.Alert) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.direct {
		k.items = append(k.items, item{alert: &a})
	} else if k.parent.OnAlert != nil {
		k.parent.OnAlert(a)
	}
}

func (k *sink) malformed(re *auditlog.RecordError) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.direct {
		k.items = append(k.items, item{bad: re})
	} else {
		k.parent.malformed(re)
	}
}

// promote passes on what was held and lets the rest through.
func (k *sink) promote() {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, it := range k.items {
		if it.bad != nil {
			k.parent.malformed(it.bad)
		} else if k.parent.OnAlert != nil {
			k.parent.OnAlert(*it.alert)
		}
	}
	k.items, k.direct = nil, true
}
