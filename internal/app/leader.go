package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/store"
)

// schedulerLease is the lease whose holder does the fleet's scheduled work.
const schedulerLease = "scheduler"

// DefaultLeaseTTL is how long the scheduler lease lasts unrenewed: a
// replica that dies hands scheduled work over within it. It is renewed
// every third of it.
const DefaultLeaseTTL = 30 * time.Second

// leader holds the scheduler lease for this replica, so that scheduled
// work — discovery, reconcile, the diagnostics check, heartbeats,
// retention — runs on one replica at a time among every serve sharing the
// database (on SQLite, the one). Each term of leadership is a context
// that ends when the lease is lost, released, or due to expire before it
// could be renewed: a replica paused past its lease (SIGSTOP, a VM
// freeze) finds its term over when it resumes, by its own monotonic
// clock, before the database says so. The database decides who holds the
// lease, and its token grows with each new holder.
type leader struct {
	st      *store.Store
	log     *slog.Logger
	id      string
	version string
	started time.Time
	ttl     time.Duration

	mu     sync.Mutex
	lease  store.Lease
	term   context.Context // the current term; nil when not leader
	end    context.CancelFunc
	expiry *time.Timer // ends the term when a renewal is overdue
	gained chan struct{}
}

// liveHere holds the ids of the leaders of this process, so that a
// holder with this process's id is judged dead only when it is none of
// them (a predecessor in this container), never a sibling replica run in
// the same process, as tests do.
var liveHere sync.Map

func newLeader(st *store.Store, log *slog.Logger, ttl time.Duration, version string) *leader {
	if ttl <= 0 {
		ttl = DefaultLeaseTTL
	}
	l := &leader{st: st, log: log, id: replicaID(), version: version, started: time.Now().UTC(), ttl: ttl, gained: make(chan struct{})}
	liveHere.Store(l.id, true)
	return l
}

// replicaID names this process for the lease and GET /api/v1/cluster:
// host, process id and a random part (process ids repeat across
// containers).
func replicaID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown-host"
	}
	b := make([]byte, 3)
	rand.Read(b)
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b))
}

// deadHere reports whether holder was a process of this host that no
// longer runs: a serve restarted after a crash (or a container restarted,
// its new process taking the old one's id) takes its own old lease at
// once instead of waiting for it to expire. Holders of other hosts are
// never judged: their lease expires.
func (l *leader) deadHere(holder string) bool {
	host, rest, ok := strings.Cut(holder, ":")
	me, _, _ := strings.Cut(l.id, ":")
	if !ok || host != me {
		return false
	}
	pidText, _, _ := strings.Cut(rest, ":")
	pid, err := strconv.Atoi(pidText)
	if err != nil || pid <= 0 {
		return false
	}
	if pid == os.Getpid() {
		_, live := liveHere.Load(holder)
		return !live
	}
	return !processRuns(pid)
}

// Run takes and renews the lease until ctx ends, then releases it.
func (l *leader) Run(ctx context.Context) {
	t := time.NewTicker(l.ttl / 3)
	defer t.Stop()
	for {
		l.step(ctx)
		select {
		case <-ctx.Done():
			l.release()
			liveHere.Delete(l.id)
			return
		case <-t.C:
		}
	}
}

// step renews the lease when held, else tries to take it, and notes this
// replica as alive.
func (l *leader) step(ctx context.Context) {
	if err := l.st.NoteReplica(ctx, store.Replica{ID: l.id, StartedAt: l.started, Version: l.version}); err != nil && ctx.Err() == nil {
		l.log.Warn("cluster: unable to note this replica", "err", err)
	}
	asked := time.Now()
	l.mu.Lock()
	held, token := l.term != nil, l.lease.Token
	l.mu.Unlock()
	if held {
		lease, err := l.st.RenewLease(ctx, schedulerLease, l.id, token, l.ttl)
		switch {
		case err == nil:
			l.renewed(lease, asked)
		case errors.Is(err, store.ErrLeaseLost):
			l.lose("the lease passed to another replica")
		case ctx.Err() == nil:
			// The term ends by itself if no renewal succeeds in time.
			l.log.Warn("cluster: unable to renew the scheduler lease", "err", err)
		}
		return
	}
	lease, mine, err := l.st.AcquireLease(ctx, schedulerLease, l.id, l.ttl, l.deadHere)
	if err != nil {
		if ctx.Err() == nil {
			l.log.Warn("cluster: unable to take the scheduler lease", "err", err)
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
func (l *leader) deadline(asked time.Time) time.Duration {
	return time.Until(asked.Add(l.ttl - l.ttl/4))
}

func (l *leader) gain(lease store.Lease, asked time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lease = lease
	// The term carries its fence: every write its tasks make commits only
	// while the lease is still this replica's with this token.
	fenced := store.WithFence(context.Background(), store.Fence{Lease: schedulerLease, Holder: l.id, Token: lease.Token})
	l.term, l.end = context.WithCancel(fenced)
	l.expiry = time.AfterFunc(l.deadline(asked), func() { l.lose("the lease could not be renewed in time") })
	close(l.gained)
	l.log.Info("cluster: this replica now does the scheduled work", "replica", l.id, "token", lease.Token)
}

func (l *leader) renewed(lease store.Lease, asked time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.term == nil {
		return
	}
	l.lease = lease
	l.expiry.Reset(l.deadline(asked))
}

// lose ends the current term, if any.
func (l *leader) lose(why string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.term == nil {
		return
	}
	l.end()
	l.expiry.Stop()
	l.term, l.end = nil, nil
	l.gained = make(chan struct{})
	l.log.Warn("cluster: this replica no longer does the scheduled work", "replica", l.id, "why", why)
}

// release gives the lease up at shutdown, so another replica need not
// wait for it to expire.
func (l *leader) release() {
	l.mu.Lock()
	held, token := l.term != nil, l.lease.Token
	l.mu.Unlock()
	if !held {
		return
	}
	l.lose("serve is stopping")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := l.st.ReleaseLease(ctx, schedulerLease, l.id, token); err != nil {
		l.log.Warn("cluster: unable to release the scheduler lease", "err", err)
	}
}

// wait returns the current term once this replica leads, or nil when
// ctx ends first.
func (l *leader) wait(ctx context.Context) context.Context {
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

// only wraps a scheduled task so that it runs only while this replica
// leads: during each term, with a context that ends with the term or ctx
// and carries the term's fence (store.WithFence), so that a task still
// running when the term ended — its replica paused past the lease — has
// its writes refused by the database.
func (l *leader) only(task func(context.Context)) func(context.Context) {
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

// Lease is the scheduler lease as this replica last saw it.
func (l *leader) Lease() store.Lease {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lease
}

// Leading reports whether this replica holds the scheduler lease now.
func (l *leader) Leading() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.term != nil
}

// buildVersion is the module version the binary was built at ("(devel)"
// for a plain go build), for GET /api/v1/cluster.
func buildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "unknown"
}

// Cluster is GET /api/v1/cluster (web.ClusterStatus): the replicas that
// noted themselves in the last day and the leases.
func (l *leader) Cluster(ctx context.Context) (api.Cluster, error) {
	out := api.Cluster{Replica: l.id, Leader: l.Leading(), Replicas: []api.ClusterMember{}, Leases: []api.ClusterLease{}}
	rs, err := l.st.Replicas(ctx)
	if err != nil {
		return out, err
	}
	now := time.Now()
	for _, r := range rs {
		out.Replicas = append(out.Replicas, api.ClusterMember{ID: r.ID, StartedAt: r.StartedAt, LastSeen: r.LastSeen, Version: r.Version,
			Alive: now.Sub(r.LastSeen) < 2*l.ttl})
	}
	ls, err := l.st.Leases(ctx)
	if err != nil {
		return out, err
	}
	for _, le := range ls {
		out.Leases = append(out.Leases, api.ClusterLease{Name: le.Name, Holder: le.Holder, Token: le.Token, AcquiredAt: le.AcquiredAt,
			RenewedAt: le.RenewedAt, Expires: le.Expires, Held: le.Held(now)})
	}
	return out, nil
}
