package auth

import (
	"context"
	"fmt"
	"github.com/honeyvault/honeyvault/internal/testenv"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/store"
)

func newRefusals(t *testing.T) (*Refusals, *store.Store, *testenv.Clock) {
	t.Helper()
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "hv.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clk := newClock()
	return &Refusals{Store: st, Action: "auth.sign_in_rate_limited", What: "sign-in attempts", Now: clk.Now}, st, clk
}

func refusalEntries(t *testing.T, st *store.Store) []store.AuditEntry {
	t.Helper()
	es, err := st.ListAudit(context.Background(), store.AuditFilter{Action: "auth.sign_in_rate_limited"})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// One entry per client and window, written when the window ends (noticed
// by Flush or by the client's next refusal), counting every refusal in it.
func TestRefusalsOneEntryPerClientAndWindow(t *testing.T) {
	r, st, clk := newRefusals(t)
	ctx := context.Background()
	for i := 0; i < 500; i++ {
		r.Add(ctx, "203.0.113.7")
		if i%100 == 0 {
			r.Add(ctx, "198.51.100.9")
		}
		clk.Advance(50 * time.Millisecond) // 25 s in all: one window
	}
	r.Flush(ctx, false)
	if es := refusalEntries(t, st); len(es) != 0 {
		t.Fatalf("entries before the window ended: %+v", es)
	}
	clk.Advance(time.Minute)
	r.Add(ctx, "203.0.113.7") // a new window for this client; the old one is recorded
	es := refusalEntries(t, st)
	if len(es) != 1 || es[0].RemoteAddr != "203.0.113.7" || !strings.HasPrefix(es[0].Detail, "500 sign-in attempts refused by the rate limit between 2026-11-20T08:00:00Z and 2026-11-20T08:00:24Z") {
		t.Fatalf("after the first client's next refusal: %+v", es)
	}
	r.Flush(ctx, false) // the second client's window has ended too
	r.Flush(ctx, true)  // and the first client's new one is written at stop
	es = refusalEntries(t, st)
	got := map[string]string{}
	for _, e := range es {
		got[e.RemoteAddr] += e.Detail + ";"
	}
	if len(es) != 3 || !strings.HasPrefix(got["198.51.100.9"], "5 sign-in attempts") || !strings.Contains(got["203.0.113.7"], "1 sign-in attempts") {
		t.Errorf("entries: %+v", es)
	}
	for _, e := range es {
		if e.Actor != "anonymous" {
			t.Errorf("actor %q; want anonymous", e.Actor)
		}
	}
}

// Refusals from more clients than it counts one by one are counted
// together, so a flood from many addresses still writes a bounded number
// of entries (and holds a bounded number of tallies).
func TestRefusalsBoundedOverManyClients(t *testing.T) {
	r, st, _ := newRefusals(t)
	ctx := context.Background()
	const clients = maxRefusalClients + 250
	for i := 0; i < clients; i++ {
		r.Add(ctx, fmt.Sprintf("2001:db8::%x", i))
		r.Add(ctx, fmt.Sprintf("2001:db8::%x", i))
	}
	if n := len(r.tallies); n != maxRefusalClients+1 {
		t.Errorf("%d tallies; want %d", n, maxRefusalClients+1)
	}
	r.Flush(ctx, true)
	es := refusalEntries(t, st)
	if len(es) != maxRefusalClients+1 {
		t.Fatalf("%d entries; want %d", len(es), maxRefusalClients+1)
	}
	var rest []store.AuditEntry
	for _, e := range es {
		if e.RemoteAddr == "" {
			rest = append(rest, e)
		}
	}
	if len(rest) != 1 || !strings.HasPrefix(rest[0].Detail, "500 sign-in attempts refused") || !strings.Contains(rest[0].Detail, "beyond the first 1000") {
		t.Errorf("the overflow entry: %+v", rest)
	}
}

// A nil Refusals is a valid no-op, like a nil Limiter.
func TestNilRefusals(t *testing.T) {
	var r *Refusals
	r.Add(context.Background(), "203.0.113.7")
	r.Flush(context.Background(), true)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r.Run(ctx)
}
