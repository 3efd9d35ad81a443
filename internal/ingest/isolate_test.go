package ingest

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/store"
	"github.com/honeyvault/honeyvault/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// A batch the database refuses because of one record (here detection
// writes, for corr-17, text PostgreSQL cannot hold: SQLSTATE 22021) is
// stored in parts: every other record is stored and detected, the refused
// one becomes a dead letter, and the batch's own dead letters and
// checkpoint are kept. Before, Submit failed — the HTTP endpoint answered
// 503 "retry" — and every retry failed the same way, forever.
func TestRefusedRecordCostsOnlyItself(t *testing.T) {
	st, err := store.Open(context.Background(), testenv.Postgres(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var mu sync.Mutex
	detected := map[string]int{}
	refuse := map[string]bool{"corr-17": true, "corr-67": true, "corr-117": true}
	p := New(st, func(ctx context.Context, tx *store.Tx, fresh []store.Fresh) error {
		for _, f := range fresh {
			if refuse[f.Event.CorrelationID] {
				if _, err := tx.InsertAlert(ctx, &store.Alert{EventKey: "e", DecoyKey: "d", RequestURI: "refused\x00"}); err != nil {
					return err
				}
			}
		}
		mu.Lock()
		defer mu.Unlock()
		for _, f := range fresh {
			detected[f.Event.CorrelationID]++
		}
		return nil
	}, slog.New(slog.DiscardHandler), nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	var body strings.Builder
	for i := range 50 {
		body.WriteString(record(i) + "\n")
	}
	body.WriteString("not a record\n")
	b, err := BatchFromBody("http", []byte(body.String()), auditlog.Position{})
	if err != nil {
		t.Fatal(err)
	}
	b.Checkpoints = []store.Checkpoint{{Source: "http", Item: "body", Value: "done"}}
	acc, err := p.Submit(context.Background(), b)
	if err != nil {
		t.Fatalf("submit: %v; want the refused record set aside", err)
	}
	if acc.New != 49 || acc.DeadLetters != 2 {
		t.Errorf("accepted %+v; want 49 new, 2 dead letters (the malformed line, the refused record)", acc)
	}
	if n, _ := st.CountEvents(context.Background()); n != 49 {
		t.Errorf("%d events stored; want 49", n)
	}
	if len(detected) != 49 || detected["corr-17"] != 0 {
		t.Errorf("detection saw %d records (corr-17: %d); want the 49 others once each", len(detected), detected["corr-17"])
	}
	for id, n := range detected {
		if n != 1 {
			t.Errorf("detection saw %s %d times", id, n)
		}
	}
	dls, err := st.ListDeadLetters(context.Background(), 0, 10)
	if err != nil || len(dls) != 2 {
		t.Fatalf("dead letters %+v, %v", dls, err)
	}
	refused := dls[0]
	if !strings.Contains(refused.Reason, "refused by the database") || !strings.Contains(refused.Raw, "corr-17") || refused.Position != "line 18" {
		t.Errorf("refused record's dead letter: %+v", refused)
	}
	if v, ok, err := st.Checkpoint(context.Background(), "http", "body"); err != nil || !ok || v != "done" {
		t.Errorf("checkpoint %q, %v, %v; want it stored with the last part", v, ok, err)
	}

	// Sent again, as a forwarder would: nothing new, no error.
	b, _ = BatchFromBody("http", []byte(body.String()), auditlog.Position{})
	if acc, err := p.Submit(context.Background(), b); err != nil || acc.New != 0 || acc.Duplicate != 49 {
		t.Errorf("again: %+v, %v; want 49 duplicates", acc, err)
	}

	// Batches of records only: one refused among ten, and one alone.
	body.Reset()
	for i := 60; i < 70; i++ {
		body.WriteString(record(i) + "\n")
	}
	for _, tt := range []struct {
		body     string
		new, bad int
	}{{body.String(), 9, 1}, {record(117), 0, 1}} {
		b, _ = BatchFromBody("http", []byte(tt.body), auditlog.Position{})
		if acc, err := p.Submit(context.Background(), b); err != nil || acc.New != tt.new || acc.DeadLetters != tt.bad {
			t.Errorf("%d records: %+v, %v; want %d new, %d dead-lettered", len(b.Events), acc, err, tt.new, tt.bad)
		}
	}
}
