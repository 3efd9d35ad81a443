package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/storable"
)

// What PostgreSQL refuses — a NUL, bytes that are not UTF-8, an index
// entry over 2,704 bytes — is stored on both backends, in the same form,
// however the store is handed it: an event, a dead letter's raw record, an
// incident's group key. Before, PostgreSQL refused the whole transaction
// (SQLSTATE 22021 or 54000) and SQLite stored the bytes as they were.
func TestUnstorableTextIsStoredAlike(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		ev := testEvent(1, "oid-\x00-\xff")
		ev.Caller.ClientInfo = "curl\x00\xc3("
		ev.CorrelationID = "corr-\xe2\x82"
		long := testEvent(2, "")
		long.Caller.UPN = strings.Repeat("x9Q2", 2500) + "@contoso.com"
		b := Batch{Source: "http", Events: []auditlog.Event{ev, long},
			DeadLetters: []DeadLetter{{Position: "line \x003", Reason: "bad \xff", Raw: "{\"a\":\x00\xff"}}}
		if _, err := s.Accept(ctx, []Batch{b}, nil); err != nil {
			t.Fatalf("accept: %v", err)
		}
		got, err := s.ListEvents(ctx, EventFilter{ByID: true})
		if err != nil || len(got) != 2 {
			t.Fatalf("events %+v, %v; want 2", got, err)
		}
		c := got[0].Event.Caller
		if c.ObjectID != `oid-\u0000-\xff` || c.ClientInfo != `curl\u0000\xc3(` || got[0].Event.CorrelationID != `corr-\xe2\x82` {
			t.Errorf("stored as %+v, correlation id %q", c, got[0].Event.CorrelationID)
		}
		if got[1].Event.Caller.UPN != long.Caller.UPN {
			t.Errorf("long UPN stored as %d bytes; want all %d", len(got[1].Event.Caller.UPN), len(long.Caller.UPN))
		}
		byCaller, err := s.ListEvents(ctx, EventFilter{CallerKey: long.Caller.Key()})
		if err != nil || len(byCaller) != 1 || len(long.Caller.Key()) > storable.MaxKey {
			t.Errorf("by caller key (%d bytes): %d events, %v; want the long caller's one", len(long.Caller.Key()), len(byCaller), err)
		}
		dls, err := s.ListDeadLetters(ctx, 0, 10)
		if err != nil || len(dls) != 1 {
			t.Fatalf("dead letters %+v, %v", dls, err)
		}
		if d := dls[0]; d.Position != `line \u00003` || d.Reason != `bad \xff` || d.Raw != `{"a":\u0000\xff` {
			t.Errorf("dead letter stored as %+v", d)
		}

		// An incident's group key holds a caller's name: one too long for
		// an index is stored shortened, and found again by the same key.
		key := "caller=" + strings.Repeat("Z", 5000) + "\nvault=kv-a"
		var in Incident
		err = s.Update(ctx, func(tx *Tx) error {
			in = Incident{GroupKey: key, Title: "t", Severity: "high", AlertSeverity: "high", Status: "new",
				FirstSeen: time.Now(), LastSeen: time.Now(), CreatedAt: time.Now(), UpdatedAt: time.Now()}
			return tx.InsertIncident(ctx, &in)
		})
		if err != nil {
			t.Fatalf("incident with a 5 KB group key: %v", err)
		}
		err = s.Update(ctx, func(tx *Tx) error {
			found, err := tx.LatestIncident(ctx, key)
			if err == nil && found.ID != in.ID {
				err = errors.New("another incident")
			}
			return err
		})
		if err != nil {
			t.Errorf("looking the incident up by its group key: %v", err)
		}
	})
}

// A refusal of what was written is told from a failure to write.
func TestIsDataError(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		type classified struct {
			name string
			err  error
			want bool
		}
		_, notNull := s.w.Exec("INSERT INTO write_probe (id, at) VALUES (7, NULL)")
		_, err := s.w.Exec("INSERT INTO write_probe (id, at) VALUES (8, 0)")
		_, unique := s.w.Exec("INSERT INTO write_probe (id, at) VALUES (8, 0)")
		if notNull == nil || err != nil || unique == nil {
			t.Fatalf("setup: %v, %v, %v", notNull, err, unique)
		}
		tests := []classified{
			{"not null", notNull, true},
			{"wrapped", errors.Join(errors.New("store: x"), notNull), true},
			{"unique", unique, false},
			{"ours", ErrConflict, false},
			{"caller gave up", context.Canceled, false},
		}
		if s.dialect.name() == "postgres" {
			_, nul := s.w.Exec("SELECT $1::text", "a\x00")
			_, bad := s.w.Exec("SELECT $1::text", "a\xff")
			_, zero := s.w.Exec("SELECT 1/0")
			tests = append(tests, classified{"NUL", nul, true}, classified{"not UTF-8", bad, true}, classified{"division by zero", zero, true})
		}
		for _, tt := range tests {
			if tt.err == nil {
				t.Errorf("%s: no error to classify", tt.name)
				continue
			}
			if got := s.IsDataError(tt.err); got != tt.want {
				t.Errorf("%s (%v): got %v; want %v", tt.name, tt.err, got, tt.want)
			}
		}
	})
}
