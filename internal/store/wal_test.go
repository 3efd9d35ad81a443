package store

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
)

// The WAL stays under its bound while the writer commits back to back and
// readers query all along, some holding a read transaction open for a
// while: the log is started over between commits however busy the store.
// Before the bound, the file grew by some 4 KB per record until writes
// stopped.
func TestWALStaysBoundedUnderIngestAndReads(t *testing.T) {
	const limit = 4 << 20
	s, path := openWALBounded(t, limit)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	var peak atomic.Int64
	sample := func() {
		if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() > peak.Load() {
			peak.Store(fi.Size())
		}
	}
	stop := make(chan struct{})
	var readers sync.WaitGroup
	var reads atomic.Int64
	read := func(fn func() error) {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := fn(); err != nil && ctx.Err() == nil {
					t.Errorf("read: %v", err)
					return
				}
				reads.Add(1)
				sample()
			}
		}()
	}
	read(func() error { _, err := s.CountEvents(ctx); return err })
	read(func() error { _, err := s.ListEvents(ctx, EventFilter{CallerKey: "caller-7", Limit: 50}); return err })
	// A reader that keeps its snapshot for 20 ms at a time.
	read(func() error {
		tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			return err
		}
		defer tx.Rollback()
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM events WHERE vault_name = 'kv-a'").Scan(&n); err != nil {
			return err
		}
		time.Sleep(20 * time.Millisecond)
		return nil
	})

	// Without restarts this makes about 25 MB of log: six times the limit.
	const batches, perBatch = 80, 250
	for i := 0; i < batches; i++ {
		evs := make([]auditlog.Event, perBatch)
		for j := range evs {
			n := i*perBatch + j
			evs[j] = testEvent(n, "caller-"+string(rune('0'+n%10)))
		}
		if _, err := s.Accept(ctx, []Batch{{Source: "wal-test", Events: evs}}, nil); err != nil {
			t.Fatal(err)
		}
		sample()
	}
	close(stop)
	readers.Wait()
	if reads.Load() < batches {
		t.Errorf("only %d reads ran beside %d commits", reads.Load(), batches)
	}
	if got := peak.Load(); got > limit {
		t.Errorf("WAL reached %.1f MB; want at most %.1f MB (restarts %d, held up by readers %d)",
			float64(got)/(1<<20), float64(limit)/(1<<20), s.wal.restarts.Load(), s.wal.busy.Load())
	}
	if s.wal.restarts.Load() == 0 {
		t.Error("the log was never restarted")
	}
	t.Logf("WAL peak %.2f MB under a bound of %.0f MB; %d restarts, %d held up by readers, %d reads",
		float64(peak.Load())/(1<<20), float64(limit)/(1<<20), s.wal.restarts.Load(), s.wal.busy.Load(), reads.Load())
}

// A restart of the log never makes a transaction wait for a copy of the
// log: while the checkpointer is busy (it holds ckMu), a commit with the
// log past restartAt goes through at once; once a round has copied
// everything, the next transaction starts the log over without the writer
// copying anything. Before, the writer copied the log itself in front of
// the transaction (55–130 ms each in the notify bench), waiting for the
// checkpointer first.
func TestWALRestartNeverCopiesInFrontOfATransaction(t *testing.T) {
	const limit = 4 << 20
	s, path := openWALBounded(t, limit)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	n := 0
	accept := func(records int) error {
		evs := make([]auditlog.Event, records)
		for j := range evs {
			evs[j] = testEvent(n, "caller-"+string(rune('0'+n%10)))
			n++
		}
		_, err := s.Accept(ctx, []Batch{{Source: "wal-test", Events: evs}}, nil)
		return err
	}
	walSize := func() int64 {
		fi, err := os.Stat(path + "-wal")
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	for walSize() <= s.wal.restartAt {
		if err := accept(50); err != nil {
			t.Fatal(err)
		}
	}
	if walSize() >= s.wal.insistAt {
		t.Fatalf("WAL at %d bytes, past insistAt (%d): the test needs it between", walSize(), s.wal.insistAt)
	}

	s.wal.ckMu.Lock() // the checkpointer is copying
	done := make(chan error, 1)
	go func() { done <- accept(10) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-ctx.Done():
		t.Fatal("a commit waited for the checkpointer with the log past restartAt")
	}
	s.wal.ckMu.Unlock()

	for ch := s.WALCatchUp(); ch != nil; ch = s.WALCatchUp() {
		<-ch
	}
	if err := accept(10); err != nil {
		t.Fatal(err)
	}
	st, _ := s.WAL()
	if st.Restarts != 1 || st.Spent != 0 {
		t.Errorf("restarts %d, writer time spent copying %v; want 1 and none", st.Restarts, st.Spent)
	}
	if got := walSize(); got > s.wal.restartAt {
		t.Errorf("WAL at %d bytes after the restart; want at most %d", got, s.wal.restartAt)
	}
}

// openWALBounded opens a migrated SQLite store whose WAL is kept under
// limit, closed when the test ends, and returns it with its file's path.
func openWALBounded(t *testing.T, limit int64) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hv.db")
	s, err := openSQLiteBounded(path, limit)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s, path
}
