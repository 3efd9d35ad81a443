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

// OnCommit registers fn to run once the transaction has committed, in the
// goroutine that committed it, in the order registered. If the transaction
// rolls back nothing registered runs: work handed on from a transaction
// (a message to send, a worker to wake) never outlives it.
func (t *Tx) OnCommit(fn func()) { t.onCommit = append(t.onCommit, fn) }

// update runs fn in a write transaction and, after a successful commit, the
// callbacks fn registered with OnCommit.
func (s *Store) update(ctx context.Context, fn func(*Tx) error) error {
	var t *Tx
	err := s.tx(ctx, func(tx *sql.Tx) error {
		t = &Tx{tx: tx, s: s} // afresh on every attempt: a failed one leaves nothing behind
		return fn(t)
	})
	if err != nil {
		return err
	}
	for _, fn := range t.onCommit {
		fn()
	}
	return nil
}
