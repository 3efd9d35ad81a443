package source

import "context"

// Checkpoints reads a source's saved checkpoints; *store.Store is one.
// Sources write checkpoints only inside the batches they submit (or with
// SaveCheckpoint after an empty poll), so a checkpoint never runs ahead of
// the records it covers.
type Checkpoints interface {
	Checkpoints(ctx context.Context, source string) (map[string]string, error)
}
