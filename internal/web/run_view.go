package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// runView is a run's page: the plan with its Confirm button, the progress,
// or the final table.
type runView struct {
	Run          Run
	Error        string
	Notice       string // unused: the "messages" partial reads it
	Heading      string // "Deploy plan #3", "Deploy #3"
	Summary      string // the run in one sentence
	Refresh      int    // seconds until the page reloads itself; 0: it does not
	CanConfirm   bool
	ConfirmURL   string
	ConfirmLabel string // "Deploy to 2 vaults"
	Expires      timeView
	Vaults       []runVaultView
	Retire       bool
}

// runVaultView is one vault of the run's page.
type runVaultView struct {
	RunVault
	Link   string
	Status string // in words: "planned", "planting 1 of 2", "failed"
	Class  string // CSS class of Status: ok, bad, busy, muted
}

// showRun renders run's page with code and an error message, if any.
func (h *handler) showRun(w http.ResponseWriter, r *http.Request, code int, run Run, errMsg string) {
	v := runView{Run: run, Error: errMsg, Retire: run.Kind == KindRetire, Expires: viewTime(run.Expires, h.now())}
	what := "Deploy"
	if v.Retire {
		what = "Retire"
	}
	n := strconv.FormatInt(run.ID, 10)
	switch run.State {
	case RunPlanning, RunPlanned, RunExpired:
		v.Heading = what + " plan #" + n
	default:
		v.Heading = what + " #" + n
	}
	if run.State == RunPlanning || run.State == RunRunning {
		v.Refresh = runRefreshSeconds
	}
	v.CanConfirm = run.State == RunPlanned
	v.ConfirmURL = runPageURL(run) + "/confirm"
	v.Summary, v.ConfirmLabel = runSummary(run)
	for _, rv := range run.Vaults {
		v.Vaults = append(v.Vaults, viewRunVault(run, rv))
	}
	h.render(w, r, code, "run", v.Heading, v)
}

// runSummary says what the run would do, is doing or did, and labels its
// Confirm button.
func runSummary(run Run) (summary, confirm string) {
	planned, vaults, blocked, covered := 0, 0, 0, 0
	done, failed := 0, 0
	for _, v := range run.Vaults {
		planned += len(v.Planned)
		done += len(v.Result)
		// In a plan, a vault the preflight refused is blocked, not failed.
		plan := run.State == RunPlanning || run.State == RunPlanned || run.State == RunExpired
		switch {
		case !plan && (v.Phase == "failed" || v.Error != ""):
			failed++
		case len(v.Planned) > 0:
			vaults++
		case blockingFinding(v):
			blocked++
		default:
			covered++
		}
	}
	if run.Kind == KindRetire {
		verb := "deleted"
		if run.Purge {
			verb = "deleted and purged"
		}
		confirm = fmt.Sprintf("Retire %s", countNoun(planned, "decoy"))
		switch run.State {
		case RunPlanning:
			return "Reading what would be retired…", confirm
		case RunPlanned, RunExpired:
			return fmt.Sprintf("%s in %s would be %s and marked retired.", countNoun(planned, "decoy"), countNoun(len(run.Vaults), "vault"), verb), confirm
		case RunRunning:
			return fmt.Sprintf("Retiring: %s of %s done so far.", strconv.Itoa(done), countNoun(planned, "decoy")), confirm
		}
		return fmt.Sprintf("Retired %s of %s; %s failed.", strconv.Itoa(done), countNoun(planned, "decoy"), countNoun(failed, "vault")), confirm
	}
	confirm = "Deploy to " + countNoun(len(run.Vaults), "vault")
	switch run.State {
	case RunPlanning:
		return fmt.Sprintf("Checking %s: what the planter may do there, what they hold, what to create…", countNoun(len(run.Vaults), "vault")), confirm
	case RunPlanned, RunExpired:
		s := fmt.Sprintf("%s would be created in %s", countNoun(planned, "decoy"), countNoun(vaults, "vault"))
		if covered > 0 {
			s += fmt.Sprintf("; %s covered already", countNoun(covered, "vault"))
		}
		if blocked > 0 {
			s += fmt.Sprintf("; %s cannot be planted as things stand (see the fix below)", countNoun(blocked, "vault"))
		}
		return s + ".", confirm
	case RunRunning:
		return fmt.Sprintf("Planting: %s created so far.", countNoun(done, "decoy")), confirm
	}
	return fmt.Sprintf("Planted %s in %s; %s failed.", countNoun(done, "decoy"), countNoun(len(run.Vaults), "vault"), countNoun(failed, "vault")), confirm
}

func blockingFinding(v RunVault) bool {
	for _, f := range v.Findings {
		if f.Blocking {
			return true
		}
	}
	return false
}

func viewRunVault(run Run, v RunVault) runVaultView {
	out := runVaultView{RunVault: v, Link: vaultPageURL(v.ID)}
	plan := run.State == RunPlanning || run.State == RunPlanned || run.State == RunExpired
	switch {
	case plan && v.Phase == "":
		out.Status, out.Class = "waiting", "muted"
	case plan && run.State == RunPlanning && v.Phase == "checking":
		out.Status, out.Class = "checking", "busy"
	case plan:
		switch {
		case blockingFinding(v):
			out.Status, out.Class = "blocked", "bad"
		case v.Error != "":
			out.Status, out.Class = "cannot plan", "bad"
		case len(v.Planned) == 0:
			out.Status, out.Class = "nothing to do", "muted"
		default:
			out.Status, out.Class = "planned", "ok"
		}
	case v.Phase == "failed" || v.Error != "":
		out.Status, out.Class = "failed", "bad"
	case v.Phase == "done":
		out.Status, out.Class = "done", "ok"
	case v.Phase == "planting" && v.Total > 0:
		verb := "planting"
		if run.Kind == KindRetire {
			verb = "retiring"
		}
		out.Status, out.Class = fmt.Sprintf("%s %d of %d", verb, v.Done, v.Total), "busy"
	case v.Phase == "":
		out.Status, out.Class = "waiting", "muted"
	default:
		out.Status, out.Class = v.Phase, "busy"
	}
	return out
}

// PlannedTypes says what the vault's plan holds by type.
func (v runVaultView) PlannedTypes() string { return DecoysByType(v.Planned) }

// DecoysByType says what ds hold by type, in the order the types first
// appear: "2 secrets, 1 key". The run page and the runs' audit rows say
// it alike.
func DecoysByType(ds []RunDecoy) string {
	n := map[string]int{}
	var order []string
	for _, d := range ds {
		if n[d.Type] == 0 {
			order = append(order, d.Type)
		}
		n[d.Type]++
	}
	var parts []string
	for _, t := range order {
		parts = append(parts, countNoun(n[t], t))
	}
	return strings.Join(parts, ", ")
}
