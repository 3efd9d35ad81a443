package web

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/auth"
	"github.com/honeyvault/honeyvault/internal/store"
)

func TestDrawSparkline(t *testing.T) {
	now := time.Date(2026, 12, 3, 15, 40, 0, 0, time.UTC)
	tests := []struct {
		name    string
		perHour map[time.Time]int
		total   int
		heights map[int]int // bar index → height; the others 0
		label   string
		first   string // the first bar's title
	}{
		{"nothing", nil, 0, nil, "Audit records per hour, last 24 hours: none", "Dec 2 16:00–17:00 UTC: 0 records"},
		{"peak and a trickle", map[time.Time]int{
			time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC): 380, // now's hour: the last bar
			time.Date(2026, 12, 2, 16, 0, 0, 0, time.UTC): 1,   // the first bar
			time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC): 99,  // before the window
		}, 381, map[int]int{23: 38, 0: 2}, "Audit records per hour, last 24 hours: 381 in all, at most 380 (15:00–16:00 UTC)",
			"Dec 2 16:00–17:00 UTC: 1 record"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sp := drawSparkline(tt.perHour, now)
			if len(sp.Bars) != sparkHours || sp.Total != tt.total || sp.Label != tt.label {
				t.Fatalf("got %d bars, total %d, label %q; want %d, %d, %q", len(sp.Bars), sp.Total, sp.Label, sparkHours, tt.total, tt.label)
			}
			for i, b := range sp.Bars {
				if got, want := b.H, tt.heights[i]; got != want || b.Y != sparkHeight-b.H {
					t.Errorf("bar %d: height %d at y %d; want %d at %d", i, got, b.Y, want, sparkHeight-want)
				}
			}
			if got, want := sp.Bars[0].Title, tt.first; got != want {
				t.Errorf("first bar's title %q; want %q", got, want)
			}
		})
	}
}

// The vault page draws the vault's records of the last 24 hours by hour,
// with the counts in words; older records and other vaults' do not count.
func TestVaultPageRecordsSparkline(t *testing.T) {
	e := newEnv(t)
	e.seedVaults()
	now := e.clk.Now()
	var evs []auditlog.Event
	for i, at := range []time.Time{now.Add(-time.Minute), now.Add(-2 * time.Minute), now.Add(-3 * time.Minute), now.Add(-5 * time.Hour), now.Add(-30 * time.Hour)} {
		evs = append(evs, auditlog.Event{Kind: auditlog.KindAudit, Time: at, VaultID: envVaultPay, VaultName: "kv-pay", Operation: "SecretList",
			HTTPStatus: 200, CorrelationID: fmt.Sprint("spark-", i), Caller: auditlog.Caller{ObjectID: "app-oid"}})
	}
	evs = append(evs, auditlog.Event{Kind: auditlog.KindAudit, Time: now, VaultID: envVaultEmpty, VaultName: "kv-legacy-batch",
		Operation: "SecretList", HTTPStatus: 200, CorrelationID: "elsewhere", Caller: auditlog.Caller{ObjectID: "app-oid"}})
	if _, err := e.st.Accept(context.Background(), []store.Batch{{Source: "test", Events: evs}}, nil); err != nil {
		t.Fatal(err)
	}
	analyst := e.token(auth.Analyst)
	_, body := e.request(nil, "GET", "/vaults"+envVaultPay, analyst, nil)
	hour := func(t time.Time) string { return t.UTC().Truncate(time.Hour).Format("Jan 2 15:04") }
	// The three newest may straddle an hour: count what the hours hold.
	recent := map[string]int{}
	for _, ev := range evs[:4] {
		recent[hour(ev.Time)]++
	}
	mustContain(t, "kv-pay's page", body, "Records over 24 hours", "4 records in the last 24 hours", `role="img" aria-label="Audit records per hour, last 24 hours: 4 in all`)
	for h, n := range recent {
		mustContain(t, "kv-pay's sparkline", body, fmt.Sprintf("<title>%s–", h), fmt.Sprintf(" UTC: %d record%s</title>", n, plural(n)))
	}
	_, body = e.request(nil, "GET", "/vaults"+envVaultHR, analyst, nil)
	mustContain(t, "kv-hr's page", body, "No record in the last 24 hours.", `aria-label="Audit records per hour, last 24 hours: none"`)
}
