package health

import (
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/store"
)

func TestJudge(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	beat := func(nonce string, sentMin int, seen bool) store.Heartbeat {
		b := store.Heartbeat{Nonce: nonce, SentAt: t0.Add(time.Duration(sentMin) * time.Minute)}
		b.DueAt = b.SentAt.Add(2 * time.Minute)
		if seen {
			b.SeenAt = b.SentAt.Add(10 * time.Second)
		}
		return b
	}
	tests := []struct {
		name      string
		beats     []store.Heartbeat
		atMin     int
		want      Verdict
		wantNonce string // FirstMissed's or Back's
	}{
		{"none", nil, 10, Unknown, ""},
		{"one pending", []store.Heartbeat{beat("a", 0, false)}, 1, Unknown, ""},
		{"one back before due", []store.Heartbeat{beat("a", 0, true)}, 1, Flowing, "a"},
		{"one past due", []store.Heartbeat{beat("a", 0, false)}, 3, Missed, "a"},
		{"back, then pending", []store.Heartbeat{beat("a", 0, true), beat("b", 5, false)}, 6, Flowing, "a"},
		{"back, then missed", []store.Heartbeat{beat("a", 0, true), beat("b", 5, false)}, 8, Missed, "b"},
		{"several missed: the gap starts at the first",
			[]store.Heartbeat{beat("a", 0, true), beat("b", 5, false), beat("c", 10, false), beat("d", 15, false)}, 18, Missed, "b"},
		{"missed, then one back", []store.Heartbeat{beat("a", 0, false), beat("b", 5, true)}, 6, Flowing, "b"},
		{"missed one came back late", []store.Heartbeat{beat("a", 0, true), beat("b", 5, false)}, 6, Flowing, "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := Judge(tt.beats, t0.Add(time.Duration(tt.atMin)*time.Minute))
			got := j.FirstMissed.Nonce + j.Back.Nonce
			if j.Verdict != tt.want || got != tt.wantNonce {
				t.Errorf("got %v %q; want %v %q", j.Verdict, got, tt.want, tt.wantNonce)
			}
		})
	}
}
