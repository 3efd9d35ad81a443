package source

import "context"

// Checkpoints reads a source's saved checkpoints; *store.Store is one.
// Sources write checkpoints only inside the batches they submit (or with
// SaveCheckpoint after an empty poll), so a checkpoint never runs ahead of
// the records it covers.
type Checkpoints interface {
	Checkpoints(ctx context.Context, source string) (map[string]string, error)
	// DeleteCheckpoints forgets items that no longer exist (a blob removed
	// by the account's lifecycle policy, a rotated file deleted), so that
	// the checkpoint table does not grow without end.
	DeleteCheckpoints(ctx context.Context, source string, items []string) error
}

// Gone returns the items of saved that are not in present.
func Gone(saved map[string]string, present []string) []string {
	here := make(map[string]bool, len(present))
	for _, p := range present {
		here[p] = true
	}
	var gone []string
	for item := range saved {
		if !here[item] {
			gone = append(gone, item)
		}
	}
	return gone
}
