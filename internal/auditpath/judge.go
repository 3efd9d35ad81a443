package auditpath

import (
	"fmt"
	"strings"
)

// State is the outcome of checking one vault's diagnostic settings.
type State string

// The states. Only OK means the audit path is known to work.
const (
	OK           State = "ok"
	NoSetting    State = "no-setting"     // the vault has no diagnostic setting
	NoAuditEvent State = "no-audit-event" // settings exist, none sends AuditEvent
	Elsewhere    State = "elsewhere"      // AuditEvent goes only to destinations honeyvault does not read
	Refused      State = "refused"        // Resource Manager refused to list the settings
	Failed       State = "failed"         // the listing failed otherwise
)

// Verdict is what the check found for one vault: its state and, unless
// OK, the reason in plain words.
type Verdict struct {
	State  State
	Reason string
	// Routes names the settings that send AuditEvent to a destination
	// honeyvault reads (OK only): a change to another setting cannot cut
	// the audit path, and the tamper rules leave it be.
	Routes []string
}

// NeededRole is the role the check needs to list a vault's settings.
const NeededRole = "Monitoring Reader (or Reader) on the vault"

// Judge decides on a vault's diagnostic settings, every one of them: OK
// when any sends AuditEvent to a destination d reads.
func Judge(d *Destinations, settings []Setting) Verdict {
	if len(settings) == 0 {
		return Verdict{State: NoSetting, Reason: "the vault has no diagnostic setting: its audit log goes nowhere"}
	}
	var elsewhere, routes []string
	for _, s := range settings {
		switch {
		case d.Reads(s):
			routes = append(routes, s.Name)
		case s.SendsAuditEvent():
			elsewhere = append(elsewhere, s.Name)
		}
	}
	if len(routes) > 0 {
		return Verdict{State: OK, Routes: routes}
	}
	if len(elsewhere) == 0 {
		return Verdict{State: NoAuditEvent, Reason: fmt.Sprintf("none of the vault's %s sends AuditEvent", plural(len(settings), "diagnostic setting", "diagnostic settings"))}
	}
	return Verdict{State: Elsewhere, Reason: fmt.Sprintf("AuditEvent goes only to destinations honeyvault does not read (diagnostic %s %s)",
		map[bool]string{true: "setting", false: "settings"}[len(elsewhere) == 1], strings.Join(elsewhere, ", "))}
}

// RefusedVerdict is the verdict when Resource Manager refused the listing.
func RefusedVerdict() Verdict {
	return Verdict{State: Refused, Reason: "Resource Manager refused to list the vault's diagnostic settings: honeyvault's identity needs " + NeededRole}
}

// FailedVerdict is the verdict when the listing failed for another reason.
func FailedVerdict(err error) Verdict {
	return Verdict{State: Failed, Reason: "the vault's diagnostic settings could not be listed: " + err.Error()}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
