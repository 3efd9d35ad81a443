package coverage

import (
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// A monitoring gap makes an otherwise covered vault at risk, with the fix
// in words; it changes nothing for a vault that is not covered anyway.
func TestHeartbeatMissed(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	p := Policy{Types: []registry.Type{registry.Secret}, LateAfter: 24 * time.Hour}
	active := CountDecoys([]registry.Decoy{{Type: registry.Secret, Status: registry.Active, Name: "db-password"}})
	tests := []struct {
		name   string
		facts  Facts
		want   State
		reason string
	}{
		{"flowing", Facts{Decoys: active, LastRecord: now.Add(-time.Minute)}, Covered, "newest audit record"},
		{"gap", Facts{Decoys: active, LastRecord: now.Add(-time.Minute), HeartbeatMissed: now.Add(-7 * time.Minute)}, AtRisk,
			"heartbeat has not come back through ingestion for 7 min past its deadline"},
		{"gap without a decoy", Facts{LastRecord: now.Add(-time.Minute), HeartbeatMissed: now.Add(-7 * time.Minute)}, NotCovered, "no decoy planted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Assess(p, now, tt.facts)
			if st, n := Decide(p, now, tt.facts); st != a.State || n != a.Active {
				t.Errorf("Decide %s with %d; Assess %s with %d", st, n, a.State, a.Active)
			}
			all := strings.Join(a.Reasons, " | ")
			if a.State != tt.want || !strings.Contains(all, tt.reason) {
				t.Errorf("got %s %q; want %s with %q", a.State, all, tt.want, tt.reason)
			}
			if tt.want == AtRisk && !strings.Contains(all, "diagnostic setting") {
				t.Errorf("the gap's reason gives no fix: %q", all)
			}
		})
	}
}
