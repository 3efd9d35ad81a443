package lab

import (
	"fmt"
	"io"
	"strings"
)

// WriteText writes the report for people: a line per check, then the
// verdict.
func (r *Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "honeyvault lab selftest: the original solution's own test, then covering its tracks, using stolen canary values and reading decoys in HashiCorp Vault and AWS Secrets Manager, as an outside identity\n  (%s)\n\n", r.Caller)
	for _, c := range r.Checks {
		what := fmt.Sprintf("%-9s %s %s/%s", c.Operation, c.tokenType, c.Vault, c.Token)
		if c.Operation == opDiagnosticSettingsDelete {
			what = fmt.Sprintf("%s %s/%s (the audit log's diagnostic setting)", c.Operation, c.Vault, c.setting)
		}
		if c.use != "" {
			what = fmt.Sprintf("%s the value of secret %s/%s: %s", c.Operation, c.Vault, c.Token, c.use)
		}
		if c.ok && c.IncidentID != nil {
			fmt.Fprintf(w, "  PASS  %s\n        incident #%d after %.3f s, naming %s, the caller (%s) and the vault\n", what, *c.IncidentID, *c.SecondsToIncident, c.Operation, c.Caller)
		} else {
			fmt.Fprintf(w, "  FAIL  %s\n", what)
		}
	}
	for _, o := range r.Extra {
		verdict := "PASS"
		if !o.OK {
			verdict = "FAIL"
		}
		fmt.Fprintf(w, "  %s  %-9s %s\n", verdict, o.What, o.Detail)
	}
	if r.OK {
		fmt.Fprintln(w, "\nselftest passed: every access (in Key Vault, Vault and Secrets Manager), the covering of tracks and every use of a decoy's value outside Key Vault became an incident naming the operation, the caller and the vault")
		return
	}
	fmt.Fprintf(w, "\nselftest FAILED:\n  - %s\n", strings.Join(r.Problems, "\n  - "))
}
