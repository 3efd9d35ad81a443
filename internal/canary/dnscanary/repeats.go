package dnscanary

import (
	"container/list"
	"net/netip"
	"sync"
	"time"
)

// Bounds of the memory of recent uses.
const (
	// DefaultRepeatWindow is how long a resolver's queries of one name
	// count as one use: a stub resolver asks A and AAAA together and
	// retries within a second or two; a second use is rarely that quick.
	DefaultRepeatWindow = 2 * time.Second
	// maxRecentUses bounds the uses remembered; beyond it the oldest is
	// forgotten early, which costs at most a second hit for one use.
	maxRecentUses = 4096
)

// useKey is one use: a resolver asking a name (lowercase).
type useKey struct {
	resolver netip.Addr
	name     string
}

// use is a use being recorded or recorded at: done closes once its first
// query's hit is settled, recorded then says whether it was stored.
type use struct {
	key      useKey
	at       time.Time
	done     chan struct{}
	recorded bool
	elem     *list.Element
}

// recentUses remembers, for a window, the uses whose first query was
// recorded, so that the rest of a use's queries (AAAA after A, a retry)
// record nothing. It is safe for concurrent use.
type recentUses struct {
	window time.Duration
	now    func() time.Time // tests control time

	mu    sync.Mutex
	byKey map[useKey]*use
	order *list.List // of *use, oldest claim first
}

func newRecentUses(window time.Duration) *recentUses {
	if window <= 0 {
		window = DefaultRepeatWindow
	}
	return &recentUses{window: window, now: time.Now, byKey: map[useKey]*use{}, order: list.New()}
}

// claim returns the use k belongs to and whether this query is its first:
// the first records the hit and settles the use; the others wait for it.
func (r *recentUses) claim(k useKey) (u *use, first bool) {
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.forgetOldLocked(now)
	if u, ok := r.byKey[k]; ok {
		return u, false
	}
	if r.order.Len() >= maxRecentUses {
		r.dropLocked(r.order.Front().Value.(*use))
	}
	u = &use{key: k, at: now, done: make(chan struct{})}
	u.elem = r.order.PushBack(u)
	r.byKey[k] = u
	return u, true
}

// settle ends u's first query: a use whose hit was not stored (refused by
// the rate limit, or the sink failed) is forgotten at once, so that the
// next query of it tries again.
func (r *recentUses) settle(u *use, recorded bool) {
	r.mu.Lock()
	u.recorded = recorded
	if !recorded && r.byKey[u.key] == u {
		r.dropLocked(u)
	}
	r.mu.Unlock()
	close(u.done)
}

// wasRecorded waits until u's first query is settled and reports whether
// its hit was stored.
func (r *recentUses) wasRecorded(u *use) bool {
	<-u.done // the first query's Record is bounded by canary.SinkTimeout
	r.mu.Lock()
	defer r.mu.Unlock()
	return u.recorded
}

// forgetOldLocked drops the uses whose window has passed.
func (r *recentUses) forgetOldLocked(now time.Time) {
	for e := r.order.Front(); e != nil; e = r.order.Front() {
		u := e.Value.(*use)
		if now.Sub(u.at) < r.window {
			return
		}
		r.dropLocked(u)
	}
}

func (r *recentUses) dropLocked(u *use) {
	if r.byKey[u.key] == u {
		delete(r.byKey, u.key)
	}
	if u.elem != nil {
		r.order.Remove(u.elem)
		u.elem = nil
	}
}
