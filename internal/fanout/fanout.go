// Package fanout runs one piece of work per item, a bounded number at a
// time: the vault-by-vault loops of planting, retiring, reconciling,
// tagging and wiring diagnostic settings.
package fanout

import (
	"context"

	"golang.org/x/sync/errgroup"
)

// Each calls work(i) for i from 0 to n-1, at most limit at once (at least
// one), and returns when every call it started has returned. Once ctx ends
// it starts no further call: an item still waiting for a slot gets skip(i)
// instead, also when the slot frees up only after the end (errgroup's Go
// waits for a slot without looking at ctx, so the check is repeated
// inside). An item's failure is its own: work records it and the others
// carry on, which is why no call returns an error to the group.
func Each(ctx context.Context, n, limit int, work, skip func(i int)) {
	var g errgroup.Group
	g.SetLimit(max(1, limit))
	for i := range n {
		if ctx.Err() != nil {
			skip(i)
			continue
		}
		g.Go(func() error {
			if ctx.Err() != nil {
				skip(i)
				return nil
			}
			work(i)
			return nil
		})
	}
	g.Wait()
}
