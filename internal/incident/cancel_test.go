package incident

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/store"
	"github.com/honeyvault/honeyvault/internal/testenv"
)

// On PostgreSQL, Record waits for the group lock another replica holds; when
// its context ends (shutdown) it gives up instead of hanging until the other
// replica commits.
func TestRecordWaitingForTheGroupLockStopsWithItsContext(t *testing.T) {
	dsn := testenv.Postgres(t)
	e := newEnv(t, dsn)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	record := func(ctx context.Context, ev auditlog.Event, during func()) error {
		_, err := e.st.Accept(ctx, []store.Batch{{Source: "replica", Events: []auditlog.Event{ev}}},
			func(ctx context.Context, tx *store.Tx, fresh []store.Fresh) error {
				var alerts []detect.Alert
				for _, f := range fresh {
					alerts = append(alerts, e.matcher.Match(f.Event)...)
				}
				if err := e.rec.Record(ctx, tx, alerts); err != nil {
					return err
				}
				during()
				return nil
			})
		return err
	}
	// Replica A records an alert of mallory on kv-pay and holds the group
	// lock until told to commit.
	holding, release := make(chan struct{}), make(chan struct{})
	aDone := make(chan error, 1)
	go func() {
		aDone <- record(context.Background(), e.event(access{caller: "mallory", vault: "kv-pay", object: "db-password"}),
			func() { close(holding); <-release })
	}()
	<-holding
	defer func() { close(release); <-aDone }()

	// Replica B records another alert of the same group: it waits.
	ctx, cancel := context.WithCancel(context.Background())
	bDone := make(chan error, 1)
	go func() {
		bDone <- record(ctx, e.event(access{at: time.Second, caller: "mallory", vault: "kv-pay", object: "api-key"}), func() {})
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var waiting int
		if err := db.QueryRow("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted").Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("replica B never waited for the group lock")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-bDone:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("got %v; want context.Canceled", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Record still waits for the group lock after its context ended")
	}
}
