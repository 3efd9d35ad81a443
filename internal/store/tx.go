package store

import (
	"context"
	"database/sql"
)

// Tx is a write transaction in progress, handed to Accept's hook and to
// Update's function so that what they write (alerts, incidents,
// notifications, audit rows) commits or fails together with the change it
// belongs to.
type Tx struct {
	tx       *sql.Tx
	s        *Store
	onCommit []func()
}

// OnCommit registers fn to run once the transaction has committed and the
// commit is durable, in the order registered, in the goroutine that waits
// for that (the committer's, unless it used AcceptAsync). If the transaction
// rolls back nothing registered runs: work handed on from a transaction
// (a message to send, a worker to wake) never outlives it.
func (t *Tx) OnCommit(fn func()) { t.onCommit = append(t.onCommit, fn) }

// update runs fn in a write transaction and, once the commit is durable,
// the callbacks fn registered with OnCommit.
func (s *Store) update(ctx context.Context, fn func(*Tx) error) error {
	durable, err := s.updateAsync(ctx, fn, false)
	if err != nil {
		return err
	}
	return durable()
}

// updateAsync is update returning once the transaction has committed;
// durable waits until the commit is durable and then runs the OnCommit
// callbacks (which never run if it fails). lazy: see txAsync.
func (s *Store) updateAsync(ctx context.Context, fn func(*Tx) error, lazy bool) (durable func() error, err error) {
	var t *Tx
	synced, err := s.txAsync(ctx, func(tx *sql.Tx) error {
		t = &Tx{tx: tx, s: s} // afresh on every attempt: a failed one leaves nothing behind
		return fn(t)
	}, lazy)
	if err != nil {
		return nil, err
	}
	return func() error {
		if err := synced(); err != nil {
			return err
		}
		for _, fn := range t.onCommit {
			fn()
		}
		return nil
	}, nil
}
