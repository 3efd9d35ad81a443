package app

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/store"
)

// lockedBuffer is a log destination safe for the lease's timer goroutine.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// levelsOf returns the level of every logged record whose message is msg.
func (b *lockedBuffer) levelsOf(t *testing.T, msg string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(b.buf.String()), "\n") {
		var rec struct{ Level, Msg, Why string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec.Msg == msg {
			out = append(out, rec.Level+" "+rec.Why)
		}
	}
	return out
}

// A replica giving its lease up because serve stops says so at INFO: a
// normal shutdown is no warning. A lease lost stays a warning.
func TestLeaseGivenUpAtShutdownIsNoWarning(t *testing.T) {
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "hv.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var logs lockedBuffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	const msg = "cluster: this replica no longer holds a lease"

	l := newLeaseRunner(st, log, "scheduler", "replica-a", time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { l.Run(ctx); close(done) }()
	wctx, wcancel := context.WithTimeout(context.Background(), time.Minute)
	defer wcancel()
	if l.wait(wctx) == nil {
		t.Fatal("the lease was not taken")
	}
	cancel()
	<-done
	if got, want := strings.Join(logs.levelsOf(t, msg), "; "), "INFO serve is stopping"; got != want {
		t.Errorf("at shutdown logged %q; want %q", got, want)
	}

	// Taken again, then lost to another holder behind its back.
	other := newLeaseRunner(st, log, "scheduler", "replica-b", time.Minute)
	l.step(context.Background())
	if !l.Holding() {
		t.Fatal("the lease was not taken again")
	}
	if err := st.ReleaseLease(context.Background(), "scheduler", "replica-a", l.Lease().Token); err != nil {
		t.Fatal(err)
	}
	other.step(context.Background())
	l.step(context.Background())
	got := logs.levelsOf(t, msg)
	if len(got) != 2 || got[1] != "WARN the lease passed to another replica" {
		t.Errorf("a lost lease logged %q; want a WARN", got)
	}
}
