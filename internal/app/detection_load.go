package app

import (
	"context"
	"fmt"
	"time"

	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// loadBatch is how many decoys are read ahead of the index: big enough
// that taking the index's lock costs nothing, small enough that the
// batches in flight stay a few hundred kilobytes.
const loadBatch = 4096

// loadIndex adds every decoy of the registry changed after changedAfter
// (zero: all) to ix, reading the store in one goroutine while the index is
// built in this one: on two cores the start takes as long as the slower of
// the two, not their sum. Nothing but the batches in flight is held
// besides the index itself. afterBatch, when not nil, is called after each
// batch is indexed.
func loadIndex(ctx context.Context, st *store.Store, ix *detect.Index, changedAfter time.Time, afterBatch func()) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []registry.Decoy, 1)
	read := make(chan error, 1)
	go func() {
		defer close(batches)
		batch := make([]registry.Decoy, 0, loadBatch)
		err := st.EachDecoy(ctx, changedAfter, func(d registry.Decoy) error {
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
		read <- err
	}()
	for batch := range batches {
		if err := ix.Add(batch...); err != nil {
			cancel()
			for range batches { // let the reader end
			}
			return fmt.Errorf("detection: %w", err)
		}
		if afterBatch != nil {
			afterBatch()
		}
	}
	return <-read
}
