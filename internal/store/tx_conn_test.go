package store

import (
	"context"
	"database/sql"
	"errors"
	"testing"
)

// txOnConn runs its function in one transaction on the connection it
// hands over, reachable by Raw inside it, on both databases (SQLite's one
// writer connection included, without waiting for itself), commits what
// it wrote and rolls everything back on an error; the connection goes
// back to the pool either way.
func TestTxOnConn(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		refused := errors.New("refused")
		for _, c := range []struct {
			item string
			err  error
		}{{"kept", nil}, {"rolled-back", refused}} {
			err := s.txOnConn(ctx, func(conn *sql.Conn, tx *sql.Tx) error {
				if err := saveCheckpoint(ctx, tx, Checkpoint{Source: "conn", Item: c.item, Value: "1"}, s.now()); err != nil {
					return err
				}
				if err := conn.Raw(func(driverConn any) error { return nil }); err != nil {
					return err
				}
				return c.err
			})
			if !errors.Is(err, c.err) {
				t.Fatalf("%s: %v; want %v", c.item, err, c.err)
			}
		}
		got, err := s.Checkpoints(ctx, "conn")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got["kept"] != "1" {
			t.Errorf("checkpoints %v; want only the committed one", got)
		}
		// The connection was given back: an ordinary write still goes through.
		if err := s.SaveCheckpoint(ctx, Checkpoint{Source: "conn", Item: "after", Value: "2"}); err != nil {
			t.Fatal(err)
		}
	})
}
