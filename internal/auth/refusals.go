package auth

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/honeyvault/honeyvault/internal/store"
)

// RefusalWindow is how long refused attempts from one client are counted
// together into one audit entry, by default.
const RefusalWindow = time.Minute

// maxRefusalClients bounds the clients counted in one window; refusals from
// any further client are counted together under overflowClient, so that a
// flood from many addresses still makes a bounded number of entries.
const maxRefusalClients = 1000

// overflowClient is the key of the tally that takes refusals beyond
// maxRefusalClients clients.
const overflowClient = ""

// Refusals audits attempts a rate limit refused in aggregate: one entry per
// client and window, saying how many were refused from when to when, instead
// of one entry per attempt, which let anyone grow the audit trail without
// limit by hammering the sign-in form. Attempts below the limit are audited
// one by one by their handlers, as evidence; these are only the surplus.
//
// Entries are written when a client's window ends — when Run notices, or
// when the client is refused again after it — and for every open window
// when Run stops (the server shutting down). Set the fields before use; it
// is then safe for concurrent use. A nil *Refusals records nothing.
type Refusals struct {
	// Store receives the entries.
	Store *store.Store
	// Action names the entries: "auth.sign_in_rate_limited".
	Action string
	// What names the attempts in the entries' detail: "sign-in attempts".
	What string
	// Window is how long one entry counts; zero means RefusalWindow.
	Window time.Duration
	// Now is the clock; nil means time.Now. Tests move it.
	Now func() time.Time
	// Log receives the first refusal of each window and failures to record;
	// nil discards.
	Log *slog.Logger

	mu      sync.Mutex
	tallies map[string]*tally
}

// tally is the refusals of one client in its current window.
type tally struct {
	first, last time.Time
	count       int
}

func (r *Refusals) now() time.Time {
	if r.Now != nil {
		return r.Now().UTC()
	}
	return time.Now().UTC()
}

func (r *Refusals) window() time.Duration {
	if r.Window > 0 {
		return r.Window
	}
	return RefusalWindow
}

func (r *Refusals) log() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.New(slog.DiscardHandler)
}

// Add counts one refused attempt from client (its address). The first
// refusal of a client's window is logged at once, so that a flood shows in
// the logs while it lasts; the audit entry follows when the window ends.
func (r *Refusals) Add(ctx context.Context, client string) {
	if r == nil {
		return
	}
	now := r.now()
	var ended []entry
	r.mu.Lock()
	if r.tallies == nil {
		r.tallies = make(map[string]*tally)
	}
	key := client
	t, ok := r.tallies[key]
	if ok && now.Sub(t.first) >= r.window() {
		ended = append(ended, entry{key, *t})
		delete(r.tallies, key)
		ok = false
	}
	if !ok && len(r.tallies) >= maxRefusalClients {
		key = overflowClient
		t, ok = r.tallies[key]
	}
	if !ok {
		t = &tally{first: now}
		r.tallies[key] = t
		r.log().Warn("rate limit refusing "+r.What, "client", client, "window", r.window().String())
	}
	t.last = now
	t.count++
	r.mu.Unlock()
	r.record(ctx, ended)
}

// Flush records the tallies whose window has ended by now, or all of them
// when all is set.
func (r *Refusals) Flush(ctx context.Context, all bool) {
	if r == nil {
		return
	}
	now := r.now()
	var ended []entry
	r.mu.Lock()
	for k, t := range r.tallies {
		if all || now.Sub(t.first) >= r.window() {
			ended = append(ended, entry{k, *t})
			delete(r.tallies, k)
		}
	}
	r.mu.Unlock()
	sort.Slice(ended, func(i, j int) bool { return ended[i].t.first.Before(ended[j].t.first) })
	r.record(ctx, ended)
}

// Run records each window's tallies soon after it ends, until ctx ends;
// then it records the open ones. The server runs it beside the HTTP
// server and stops it after the last request has been answered.
func (r *Refusals) Run(ctx context.Context) {
	if r == nil {
		return
	}
	t := time.NewTicker(r.window() / 4)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			r.Flush(fctx, true)
			cancel()
			return
		case <-t.C:
			r.Flush(ctx, false)
		}
	}
}

type entry struct {
	client string
	t      tally
}

func (r *Refusals) record(ctx context.Context, ended []entry) {
	for _, e := range ended {
		detail := fmt.Sprintf("%d %s refused by the rate limit between %s and %s",
			e.t.count, r.What, e.t.first.Format(time.RFC3339), e.t.last.Format(time.RFC3339))
		if e.client == overflowClient {
			detail += fmt.Sprintf(", from addresses beyond the first %d of the window (each of those has an entry of its own)", maxRefusalClients)
		}
		err := r.Store.RecordAudit(ctx, store.AuditEntry{
			Time: e.t.last, Actor: "anonymous", Action: r.Action, Detail: detail, RemoteAddr: e.client,
		})
		if err != nil {
			r.log().Error("audit trail: unable to record refused attempts", "client", e.client, "count", e.t.count, "err", err)
		}
	}
}
