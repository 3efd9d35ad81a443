package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// likeEscaper escapes a LIKE pattern's wildcards with '!' (the ESCAPE
// character the queries name), so that a search matches literally.
var likeEscaper = strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")

// DecoysLastTouched returns, for each of decoys ids that raised an alert,
// the time of its latest (allow-listed hits do not count).
func (s *Store) DecoysLastTouched(ctx context.Context, ids []int64) (map[int64]time.Time, error) {
	out := map[int64]time.Time{}
	if len(ids) == 0 {
		return out, nil
	}
	var p params
	rows, err := s.r.QueryContext(ctx, "SELECT decoy_id, MAX(time) FROM alerts WHERE suppressed = 0 AND decoy_id IN ("+list(&p, ids)+") GROUP BY decoy_id", p...)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read when decoys were touched: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, t int64
		if err := rows.Scan(&id, &t); err != nil {
			return nil, fmt.Errorf("store: unable to read when decoys were touched: %w", err)
		}
		out[id] = fromMicros(t)
	}
	return out, rows.Err()
}
