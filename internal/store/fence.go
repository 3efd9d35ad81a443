package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/honeyvault/honeyvault/internal/storable"
)

// Fence is one term of a lease: the lease named Lease as held by Holder
// with Token. Work done under a lease (the scheduler's, a pull source's)
// carries its fence in its context (WithFence), and every write
// transaction the Store runs with such a context first checks, inside the
// transaction, that the lease is still Holder's with Token and unexpired,
// failing with ErrLeaseLost otherwise. So a replica paused past its lease
// writes nothing once another took over, whatever its clock says: on
// PostgreSQL the check locks the lease row (FOR SHARE) until the
// transaction ends, so a takeover either commits before it (and the check
// fails) or waits until the fenced write has committed; on SQLite the
// single writer orders them the same way.
type Fence struct {
	Lease  string
	Holder string
	Token  int64
}

type fenceKey struct{}

// WithFence returns ctx carrying f: writes made with it (or a context
// derived from it) are fenced by f.
func WithFence(ctx context.Context, f Fence) context.Context {
	return context.WithValue(ctx, fenceKey{}, f)
}

// WithoutFence returns ctx carrying no fence. It is for one thing only:
// undoing a fenced write of one's own whose effect outside the database
// never happened (a heartbeat recorded, then not sent because the lease
// had passed on), which would otherwise be left for the new holder to
// misjudge.
func WithoutFence(ctx context.Context) context.Context {
	return context.WithValue(ctx, fenceKey{}, nil)
}

// FenceOf returns the fence ctx carries, if any.
func FenceOf(ctx context.Context) (Fence, bool) {
	f, ok := ctx.Value(fenceKey{}).(Fence)
	return f, ok
}

// CheckFence returns ErrLeaseLost when ctx carries a fence whose lease is
// no longer its holder's with its token, nil when it still is or ctx
// carries none. Work that no transaction can fence (a call to Azure)
// checks it right before: the lease may still pass on between the check
// and the call, a window as long as the call.
func (s *Store) CheckFence(ctx context.Context) error {
	f, ok := FenceOf(ctx)
	if !ok {
		return nil
	}
	return s.checkFenceIn(ctx, s.r, f, "")
}

// checkFence is runTx's check of ctx's fence inside tx, the lease row
// locked against a takeover until tx ends.
func (s *Store) checkFence(ctx context.Context, tx *sql.Tx) error {
	f, ok := FenceOf(ctx)
	if !ok {
		return nil
	}
	return s.checkFenceIn(ctx, tx, f, s.dialect.forShare())
}

type queryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *Store) checkFenceIn(ctx context.Context, q queryRower, f Fence, lock string) error {
	var one int
	err := q.QueryRowContext(ctx, "SELECT 1 FROM leases WHERE name = $1 AND holder = $2 AND token = $3 AND expires_at > $4"+lock,
		storable.Text(f.Lease), storable.Text(f.Holder), f.Token, micros(s.now())).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		s.refusals.note(f.Lease)
		return fmt.Errorf("%w: %s is no longer held with token %d", ErrLeaseLost, f.Lease, f.Token)
	}
	if err != nil {
		return fmt.Errorf("store: unable to check lease %s: %w", f.Lease, err)
	}
	return nil
}

// refusals counts the writes and checks a fence refused, by lease.
type refusals struct {
	mu sync.Mutex
	n  map[string]int64
}

func (r *refusals) note(lease string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n == nil {
		r.n = map[string]int64{}
	}
	r.n[lease]++
}

// FenceRefusals returns how many writes (and checks) fenced by a lease
// this Store refused since it opened, by lease name: work a replica
// attempted under a lease it had lost, as after a pause past it.
func (s *Store) FenceRefusals() map[string]int64 {
	s.refusals.mu.Lock()
	defer s.refusals.mu.Unlock()
	out := make(map[string]int64, len(s.refusals.n))
	for lease, n := range s.refusals.n {
		out[lease] = n
	}
	return out
}
