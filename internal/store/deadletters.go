package store

import (
	"context"
	"fmt"
)

// ListDeadLetters returns stored dead letters, newest first, after the given
// id when paging backwards (0: from the newest).
func (s *Store) ListDeadLetters(ctx context.Context, beforeID int64, limit int) ([]DeadLetter, error) {
	if limit <= 0 {
		limit = 100
	}
	q, args := "SELECT id, received_at, source, position, reason, raw FROM dead_letters ORDER BY id DESC LIMIT $1", []any{limit}
	if beforeID > 0 {
		q, args = "SELECT id, received_at, source, position, reason, raw FROM dead_letters WHERE id < $2 ORDER BY id DESC LIMIT $1", append(args, beforeID)
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list dead letters: %w", err)
	}
	defer rows.Close()
	var out []DeadLetter
	for rows.Next() {
		var d DeadLetter
		var recv int64
		if err := rows.Scan(&d.ID, &recv, &d.Source, &d.Position, &d.Reason, &d.Raw); err != nil {
			return nil, fmt.Errorf("store: unable to list dead letters: %w", err)
		}
		d.ReceivedAt = fromMicros(recv)
		out = append(out, d)
	}
	return out, rows.Err()
}

// CountDeadLetters returns how many dead letters each source has.
func (s *Store) CountDeadLetters(ctx context.Context) (map[string]int64, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT source, COUNT(*) FROM dead_letters GROUP BY source")
	if err != nil {
		return nil, fmt.Errorf("store: unable to count dead letters: %w", err)
	}
	defer rows.Close()
	out := make(map[string]int64)
	for rows.Next() {
		var src string
		var n int64
		if err := rows.Scan(&src, &n); err != nil {
			return nil, fmt.Errorf("store: unable to count dead letters: %w", err)
		}
		out[src] = n
	}
	return out, rows.Err()
}
