package deploy

import (
	"context"

	"golang.org/x/sync/errgroup"
)

// eachVault calls work(i) for i from 0 to n-1, at most limit at once, and
// returns when every call it started has returned. Once ctx ends it starts
// no further call: a vault still waiting for a slot gets skip(i) instead,
// also when the slot frees up only after the end (errgroup's Go waits for a
// slot without looking at ctx, so the check is repeated inside). A vault's
// failure is its own: work records it and the others carry on, which is why
// no call returns an error to the group.
func eachVault(ctx context.Context, n, limit int, work, skip func(i int)) {
	var g errgroup.Group
	g.SetLimit(limit)
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
