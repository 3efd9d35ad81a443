package app

import (
	"context"
	"fmt"

	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// loadBatch is how many decoys are read ahead of the index: big enough
// that taking the index's lock costs nothing, small enough that the
// batches in flight stay a few hundred kilobytes.
const loadBatch = 4096

// decoyScan reads decoys of the registry into fn and returns the change
// number the read saw (store.Store's EachDecoy, or EachDecoyChangedAfter
// bound to the number the last read returned).
type decoyScan func(ctx context.Context, fn func(registry.Decoy) error) (seq int64, err error)

// loadIndex adds every decoy scan reads to ix, reading the store in one
// goroutine while the index is built in this one: on two cores the start
// takes as long as the slower of the two, not their sum. Nothing but the
// batches in flight is held besides the index itself. afterBatch, when not
// nil, is called after each batch is indexed. It returns the change number
// the read saw and how many decoys it read.
func loadIndex(ctx context.Context, scan decoyScan, ix *detect.Index, afterBatch func()) (seq int64, read int, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []registry.Decoy, 1)
	type result struct {
		seq int64
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer close(batches)
		batch := make([]registry.Decoy, 0, loadBatch)
		seq, err := scan(ctx, func(d registry.Decoy) error {
			batch = append(batch, d)
			if len(batch) < loadBatch {
				return nil
			}
			select {
			case batches <- batch:
			case <-ctx.Done():
				return ctx.Err()
			}
			batch = make([]registry.Decoy, 0, loadBatch)
			return nil
		})
		if err == nil && len(batch) > 0 {
			select {
			case batches <- batch:
			case <-ctx.Done():
				err = ctx.Err()
			}
		}
		done <- result{seq, err}
	}()
	for batch := range batches {
		if err := ix.Add(batch...); err != nil {
			cancel()
			for range batches { // let the reader end
			}
			<-done
			return 0, 0, fmt.Errorf("detection: %w", err)
		}
		read += len(batch)
		if afterBatch != nil {
			afterBatch()
		}
	}
	r := <-done
	return r.seq, read, r.err
}
