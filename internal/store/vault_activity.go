package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

const microsPerHour = int64(time.Hour / time.Microsecond)

// EventsPerHour counts the stored events of vault (a name, any case) at or
// after since, by UTC hour: the start of each hour that has any → how many.
// It reads the events (vault_name, time) index only.
func (s *Store) EventsPerHour(ctx context.Context, vault string, since time.Time) (map[time.Time]int, error) {
	var p params
	rows, err := s.r.QueryContext(ctx, "SELECT time / "+p.add(microsPerHour)+" AS h, COUNT(*) FROM events WHERE vault_name = "+
		p.add(strings.ToLower(vault))+" AND time >= "+p.add(micros(since))+" GROUP BY h", p...)
	if err != nil {
		return nil, fmt.Errorf("store: unable to count a vault's events: %w", err)
	}
	defer rows.Close()
	out := map[time.Time]int{}
	for rows.Next() {
		var h int64
		var n int
		if err := rows.Scan(&h, &n); err != nil {
			return nil, fmt.Errorf("store: unable to count a vault's events: %w", err)
		}
		out[fromMicros(h*microsPerHour)] = n
	}
	return out, rows.Err()
}
