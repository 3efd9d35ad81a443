package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
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

// leader holds the scheduler lease for this replica, so that scheduled
// work — discovery, reconcile, the diagnostics check, heartbeats,
// retention — runs on one replica at a time (see leaseRunner), and notes
// this replica as alive at each step, for GET /api/v1/cluster.
type leader struct {
	*leaseRunner
	version string
	started time.Time
	// load is what this replica notes about its work with its heartbeat
	// row: its sources, their largest lag, the records it stored.
	load *replicaLoad
}

// liveHere holds the ids of the replicas of this process, so that a
// holder with this process's id is judged dead only when it is none of
// them (a predecessor in this container), never a sibling replica run in
// the same process, as tests do.
var liveHere sync.Map

func newLeader(st *store.Store, log *slog.Logger, ttl time.Duration, version string) *leader {
	l := &leader{leaseRunner: newLeaseRunner(st, log, schedulerLease, replicaID(), ttl), version: version, started: time.Now().UTC()}
	l.load = newReplicaLoad(l.started, nil, nil)
	l.onStep = l.note
	liveHere.Store(l.id, true)
	return l
}

// note records this replica as alive, with its load.
func (l *leader) note(ctx context.Context) {
	r := store.Replica{ID: l.id, StartedAt: l.started, Version: l.version}
	l.load.fill(time.Now(), &r)
	if err := l.st.NoteReplica(ctx, r); err != nil && ctx.Err() == nil {
		l.log.Warn("cluster: unable to note this replica", "err", err)
	}
}

// Run takes and renews the scheduler lease until ctx ends, then releases it.
func (l *leader) Run(ctx context.Context) {
	l.leaseRunner.Run(ctx)
	liveHere.Delete(l.id)
}

// Leading reports whether this replica holds the scheduler lease now.
func (l *leader) Leading() bool { return l.Holding() }

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

// deadHere reports whether holder was a process of this host (me is this
// replica's id) that no longer runs: a serve restarted after a crash (or a
// container restarted, its new process taking the old one's id) takes its
// own old leases at once instead of waiting for them to expire. Holders of
// other hosts are never judged: their leases expire.
func deadHere(me, holder string) bool {
	host, rest, ok := strings.Cut(holder, ":")
	myHost, _, _ := strings.Cut(me, ":")
	if !ok || host != myHost {
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
		if r.Sources == nil {
			r.Sources = []string{}
		}
		out.Replicas = append(out.Replicas, api.ClusterMember{ID: r.ID, StartedAt: r.StartedAt, LastSeen: r.LastSeen, Version: r.Version,
			Alive: now.Sub(r.LastSeen) < 2*l.ttl, LagSeconds: r.Lag.Seconds(), StoredLastMinute: r.StoredLastMinute,
			ConsumerLagRecords: r.Backlog, Sources: r.Sources})
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
