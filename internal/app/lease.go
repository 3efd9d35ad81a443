package app

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/honeyvault/honeyvault/internal/store"
)

// DefaultLeaseTTL is how long a lease lasts unrenewed: a replica that dies
// hands its work over within it. It is renewed every third of it.
const DefaultLeaseTTL = 30 * time.Second

// leaseRunner holds one named lease for this replica — the scheduler's,
// a pull source's — so that the work it guards runs on one replica at a
// time among every serve sharing the database (on SQLite, the one). Each
// term of holding it is a context that ends when the lease is lost,
// released, or due to expire before it could be renewed: a replica paused
// past its lease (SIGSTOP, a VM freeze) finds its term over when it
// resumes, by its own monotonic clock, before the database says so. The
// database decides who holds the lease, its token grows with each new
// holder, and each term's context carries its fence (store.WithFence), so
// that the database also refuses the writes of a term that is over.
type leaseRunner struct {
	st   *store.Store
	log  *slog.Logger
	name string
	id   string // this replica
	ttl  time.Duration
	// onStep, if set, runs at the start of each step (the scheduler's
	// runner notes the replica as alive).
	onStep func(context.Context)

	mu     sync.Mutex
	lease  store.Lease
	term   context.Context // the current term; nil when not held
	end    context.CancelFunc
	expiry *time.Timer // ends the term when a renewal is overdue
	gained chan struct{}
}

func newLeaseRunner(st *store.Store, log *slog.Logger, name, id string, ttl time.Duration) *leaseRunner {
	if ttl <= 0 {
		ttl = DefaultLeaseTTL
	}
	return &leaseRunner{st: st, log: log, name: name, id: id, ttl: ttl, gained: make(chan struct{})}
}

// Run takes and renews the lease until ctx ends, then releases it.
func (l *leaseRunner) Run(ctx context.Context) {
	t := time.NewTicker(l.ttl / 3)
	defer t.Stop()
	for {
		l.step(ctx)
		select {
		case <-ctx.Done():
			l.release()
			return
		case <-t.C:
		}
	}
}

// step renews the lease when held, else tries to take it.
func (l *leaseRunner) step(ctx context.Context) {
	if l.onStep != nil {
		l.onStep(ctx)
	}
	asked := time.Now()
	l.mu.Lock()
	held, token := l.term != nil, l.lease.Token
	l.mu.Unlock()
	if held {
		lease, err := l.st.RenewLease(ctx, l.name, l.id, token, l.ttl)
		switch {
		case err == nil:
			l.renewed(lease, asked)
		case errors.Is(err, store.ErrLeaseLost):
			l.lose(slog.LevelWarn, "the lease passed to another replica")
		case ctx.Err() == nil:
			// The term ends by itself if no renewal succeeds in time.
			l.log.Warn("cluster: unable to renew a lease", "lease", l.name, "err", err)
		}
		return
	}
	lease, mine, err := l.st.AcquireLease(ctx, l.name, l.id, l.ttl, func(holder string) bool { return deadHere(l.id, holder) })
	if err != nil {
		if ctx.Err() == nil {
			l.log.Warn("cluster: unable to take a lease", "lease", l.name, "err", err)
		}
		return
	}
	l.mu.Lock()
	l.lease = lease
	l.mu.Unlock()
	if mine {
		l.gain(lease, asked)
	}
}

// deadline is when a term must end unless renewed: the lease's length
// from when the renewal was asked, less a margin for clocks and delays.
func (l *leaseRunner) deadline(asked time.Time) time.Duration {
	return time.Until(asked.Add(l.ttl - l.ttl/4))
}

func (l *leaseRunner) gain(lease store.Lease, asked time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.term != nil && l.lease.Token == lease.Token {
		// Two steps at once both took it (tests step by hand beside Run):
		// the second is a renewal of the term the first began.
		l.lease = lease
		l.expiry.Reset(l.deadline(asked))
		return
	}
	if l.term != nil {
		// A term under an older token is over, whatever its timer says.
		l.end()
		l.expiry.Stop()
		l.gained = make(chan struct{})
	}
	l.lease = lease
	// The term carries its fence: every write its work makes commits only
	// while the lease is still this replica's with this token.
	fenced := store.WithFence(context.Background(), store.Fence{Lease: l.name, Holder: l.id, Token: lease.Token})
	l.term, l.end = context.WithCancel(fenced)
	l.expiry = time.AfterFunc(l.deadline(asked), func() { l.lose(slog.LevelWarn, "the lease could not be renewed in time") })
	close(l.gained)
	l.log.Info("cluster: this replica took a lease", "lease", l.name, "replica", l.id, "token", lease.Token)
}

func (l *leaseRunner) renewed(lease store.Lease, asked time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.term == nil {
		return
	}
	l.lease = lease
	l.expiry.Reset(l.deadline(asked))
}

// lose ends the current term, if any, and says why at level: a lease
// lost is worth a warning, one given up at shutdown is not.
func (l *leaseRunner) lose(level slog.Level, why string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.term == nil {
		return
	}
	l.end()
	l.expiry.Stop()
	l.term, l.end = nil, nil
	l.gained = make(chan struct{})
	l.log.Log(context.Background(), level, "cluster: this replica no longer holds a lease", "lease", l.name, "replica", l.id, "why", why)
}

// release gives the lease up at shutdown, so another replica need not
// wait for it to expire.
func (l *leaseRunner) release() {
	l.mu.Lock()
	held, token := l.term != nil, l.lease.Token
	l.mu.Unlock()
	if !held {
		return
	}
	l.lose(slog.LevelInfo, "serve is stopping")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := l.st.ReleaseLease(ctx, l.name, l.id, token); err != nil {
		l.log.Warn("cluster: unable to release a lease", "lease", l.name, "err", err)
	}
}

// wait returns the current term once this replica holds the lease, or
// nil when ctx ends first.
func (l *leaseRunner) wait(ctx context.Context) context.Context {
	for {
		l.mu.Lock()
		term, gained := l.term, l.gained
		l.mu.Unlock()
		if term != nil && term.Err() == nil {
			return term
		}
		select {
		case <-ctx.Done():
			return nil
		case <-gained:
		}
	}
}

// only wraps a task so that it runs only while this replica holds the
// lease: during each term, with a context that ends with the term or ctx
// and carries the term's fence (store.WithFence), so that a task still
// running when the term ended — its replica paused past the lease — has
// its writes refused by the database.
func (l *leaseRunner) only(task func(context.Context)) func(context.Context) {
	return func(ctx context.Context) {
		for {
			term := l.wait(ctx)
			if term == nil {
				return
			}
			fence, _ := store.FenceOf(term)
			both, cancel := context.WithCancel(store.WithFence(ctx, fence))
			stop := context.AfterFunc(term, cancel)
			task(both)
			stop()
			cancel()
			if ctx.Err() != nil {
				return
			}
		}
	}
}

// Lease is the lease as this replica last saw it.
func (l *leaseRunner) Lease() store.Lease {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lease
}

// Holding reports whether this replica holds the lease now.
func (l *leaseRunner) Holding() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.term != nil
}
