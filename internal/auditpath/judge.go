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
}

// NeededRole is the role the check needs to list a vault's settings.
const NeededRole = "Monitoring Reader (or Reader) on the vault"

// Judge decides on a vault's diagnostic settings, every one of them: OK
// when any sends AuditEvent to a destination d reads.
func Judge(d *Destinations, settings []Setting) Verdict {
	if len(settings) == 0 {
		return Verdict{NoSetting, "the vault has no diagnostic setting: its audit log goes nowhere"}
	}
	var elsewhere []string
	for _, s := range settings {
		if d.Reads(s) {
			return Verdict{State: OK}
		}
		if s.SendsAuditEvent() {
			elsewhere = append(elsewhere, s.Name)
		}
	}
	if len(elsewhere) == 0 {
		return Verdict{NoAuditEvent, fmt.Sprintf("none of the vault's %s sends AuditEvent", plural(len(settings), "diagnostic setting", "diagnostic settings"))}
	}
	return Verdict{Elsewhere, fmt.Sprintf("AuditEvent goes only to destinations honeyvault does not read (diagnostic %s %s)",
		plural(len(elsewhere), "setting", "settings"), strings.Join(elsewhere, ", "))}
}

// RefusedVerdict is the verdict when Resource Manager refused the listing.
func RefusedVerdict() Verdict {
	return Verdict{Refused, "Resource Manager refused to list the vault's diagnostic settings: honeyvault's identity needs " + NeededRole}
}

// FailedVerdict is the verdict when the listing failed for another reason.
func FailedVerdict(err error) Verdict {
	return Verdict{Failed, "the vault's diagnostic settings could not be listed: " + err.Error()}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
