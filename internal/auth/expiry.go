package auth

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseExpiry reads when a token should expire, relative to now:
//
//	"" or "never"              no expiry
//	"90d", "12h", "1h30m"      a duration from now (d = 24h)
//	"2027-01-31"               the start of that day, UTC
//	"2027-01-31T18:00:00Z"     an RFC 3339 time
//
// The result must lie in the future and within ten years.
func ParseExpiry(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	var t time.Time
	switch {
	case s == "" || strings.EqualFold(s, "never"):
		return time.Time{}, nil
	case strings.HasSuffix(s, "d") && len(s) <= 6:
		n, err := strconv.Atoi(strings.TrimSuffix(s, "d"))
		if err != nil || n <= 0 {
			return time.Time{}, fmt.Errorf("auth: expiry %q: want a positive number of days like 90d", s)
		}
		t = now.Add(time.Duration(n) * 24 * time.Hour)
	default:
		if d, err := time.ParseDuration(s); err == nil {
			t = now.Add(d)
		} else if day, err := time.Parse("2006-01-02", s); err == nil {
			t = day
		} else if ts, err := time.Parse(time.RFC3339, s); err == nil {
			t = ts
		} else {
			return time.Time{}, fmt.Errorf("auth: expiry %q: want never, a duration (90d, 12h), a date (2027-01-31) or an RFC 3339 time", s)
		}
	}
	if !t.After(now) {
		return time.Time{}, fmt.Errorf("auth: expiry %q is not in the future", s)
	}
	if t.After(now.AddDate(10, 0, 0)) {
		return time.Time{}, fmt.Errorf("auth: expiry %q is more than ten years away", s)
	}
	return t.UTC(), nil
}
