package web

import (
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// sampleRun is a deploy plan of two vaults: one with a decoy to create,
// one the planter may not plant into.
func sampleRun(state RunState) Run {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	return Run{ID: 7, Kind: KindDeploy, State: state, PlannedBy: "bootstrap:admin", Created: now, Expires: now.Add(15 * time.Minute),
		Vaults: []RunVault{
			{ID: envVaultPay, Name: "kv-pay", Phase: "planned", Total: 1, Planned: []RunDecoy{{Type: "secret", Name: "payments-api-key", What: "a 40-character API key"}}},
			{ID: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-locked", Name: "kv-locked", Phase: "failed",
				Findings: []Finding{{Problem: "planter cannot plant in kv-locked: missing secrets/set", Fix: []string{"az keyvault set-policy --name kv-locked"}, Blocking: true}}},
		}}
}

// renderRun renders run's page as the console would.
func renderRun(t *testing.T, run Run) string {
	t.Helper()
	v, err := loadViews()
	if err != nil {
		t.Fatal(err)
	}
	h := &handler{views: v, log: slog.New(slog.DiscardHandler), now: func() time.Time { return run.Created }}
	w := httptest.NewRecorder()
	h.showRun(w, httptest.NewRequest("GET", runPageURL(run), nil), 200, run, "")
	return w.Body.String()
}

// renderedRun is a planned run's page, for the CSP test.
func renderedRun(t *testing.T) string { return renderRun(t, sampleRun(RunPlanned)) }

// A plan shows what would be created, the finding with its fix and one
// Confirm button, and does not reload itself; a running run reloads itself
// and offers no Confirm; an expired plan says to plan again.
func TestRunPage(t *testing.T) {
	planned := renderRun(t, sampleRun(RunPlanned))
	for _, want := range []string{"Deploy plan #7", "payments-api-key", "1 decoy would be created in 1 vault", "1 vault cannot be planted",
		"Cannot plant:", "az keyvault set-policy --name kv-locked", `action="/deploys/7/confirm"`, "Deploy to 2 vaults", "blocked"} {
		if !strings.Contains(planned, want) {
			t.Errorf("the plan lacks %q", want)
		}
	}
	if strings.Contains(planned, `http-equiv="refresh"`) {
		t.Error("a plan waiting for its confirmation reloads itself")
	}
	if n := strings.Count(planned, `type="submit" class="primary"`); n != 1 {
		t.Errorf("%d primary buttons; want one Confirm", n)
	}
	running := sampleRun(RunRunning)
	running.Vaults[0].Phase, running.Vaults[0].Done = "planting", 0
	page := renderRun(t, running)
	if !strings.Contains(page, `<meta http-equiv="refresh" content="2">`) || strings.Contains(page, "/confirm") || !strings.Contains(page, "planting 0 of 1") {
		t.Errorf("a running run's page:\n%s", page)
	}
	if page := renderRun(t, sampleRun(RunExpired)); !strings.Contains(page, "expired unconfirmed") || strings.Contains(page, "/confirm") {
		t.Errorf("an expired plan's page:\n%s", page)
	}
}
