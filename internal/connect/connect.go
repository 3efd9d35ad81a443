// Package connect wires vaults' audit logs to honeyvault (honeyvault azure
// connect): for each vault, it reads its diagnostic settings, judges them
// as the diagnostics check does, and where AuditEvent does not reach a
// destination honeyvault reads, creates the setting honeyvault names
// (auditpath.WiringName) — or replaces one of that name — leaving every
// other setting as it is.
package connect

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/honeyvault/honeyvault/internal/auditpath"
	"github.com/honeyvault/honeyvault/internal/fanout"
)

// Settings reads and writes vaults' diagnostic settings (azure.Client is
// one).
type Settings interface {
	DiagnosticSettings(ctx context.Context, vaultID string) ([]auditpath.Setting, error)
	PutDiagnosticSetting(ctx context.Context, vaultID string, s auditpath.Setting) error
}

// Action is what a step does to a vault.
type Action string

// The actions.
const (
	None    Action = "none"    // AuditEvent reaches honeyvault already
	Create  Action = "create"  // add the setting honeyvault names
	Replace Action = "replace" // rewrite the setting of honeyvault's name
	Blocked Action = "blocked" // cannot: see Err
)

// Step is one vault's part of a plan.
type Step struct {
	VaultID string
	Vault   string // name, for people
	Before  auditpath.Verdict
	Action  Action
	Setting auditpath.Setting // what Create or Replace writes
	Err     error             // why the vault cannot be planned or wired
}

// Plan reads every vault's settings, at most concurrency at a time, and
// decides what to do. want is the setting to write (Destinations.Wiring).
// A vault that cannot be read, or already holds Azure's limit of settings
// none of which is honeyvault's, is Blocked with the reason.
func Plan(ctx context.Context, c Settings, d *auditpath.Destinations, want auditpath.Setting, vaults []Vault, concurrency int) []Step {
	steps := make([]Step, len(vaults))
	fanout.Each(ctx, len(vaults), concurrency, func(i int) {
		v := vaults[i]
		s := Step{VaultID: v.ID, Vault: v.Name, Setting: want}
		settings, err := c.DiagnosticSettings(ctx, v.ID)
		switch {
		case err != nil:
			s.Action, s.Err = Blocked, fmt.Errorf("its diagnostic settings could not be read: %w", err)
		default:
			s.Before = auditpath.Judge(d, settings)
			s.Action = decide(s.Before, settings)
			if s.Action == Blocked {
				s.Err = fmt.Errorf("the vault has %d diagnostic settings, Azure's limit, and none is %q: "+
					"delete one, or have one of them send AuditEvent where honeyvault reads, then run again", len(settings), auditpath.WiringName)
			}
		}
		steps[i] = s
	}, func(i int) {
		steps[i] = Step{VaultID: vaults[i].ID, Vault: vaults[i].Name, Action: Blocked, Err: ctx.Err()}
	})
	return steps
}

// Vault names a vault to wire.
type Vault struct{ ID, Name string }

func decide(v auditpath.Verdict, settings []auditpath.Setting) Action {
	if v.State == auditpath.OK {
		return None
	}
	for _, s := range settings {
		if strings.EqualFold(s.Name, auditpath.WiringName) {
			return Replace
		}
	}
	if len(settings) >= auditpath.MaxSettings {
		return Blocked
	}
	return Create
}

// Result is what Apply did to one vault.
type Result struct {
	Step
	Wired bool              // a setting was written
	After auditpath.Verdict // the vault's settings judged again once written
}

// Apply writes the setting of every Create and Replace step, at most
// concurrency vaults at a time, reads the vault's settings back and judges
// them: a vault is wired only when AuditEvent then reaches a destination
// honeyvault reads. progress (may be nil) hears of each vault done.
func Apply(ctx context.Context, c Settings, d *auditpath.Destinations, plan []Step, concurrency int, progress func(done, total int)) []Result {
	res := make([]Result, len(plan))
	var todo []int
	for i, s := range plan {
		res[i] = Result{Step: s, After: s.Before}
		if s.Action == Create || s.Action == Replace {
			todo = append(todo, i)
		}
	}
	var mu sync.Mutex
	done := 0
	fanout.Each(ctx, len(todo), concurrency, func(j int) {
		r := &res[todo[j]]
		if err := c.PutDiagnosticSetting(ctx, r.VaultID, r.Setting); err != nil {
			r.Err = err
		} else if settings, err := c.DiagnosticSettings(ctx, r.VaultID); err != nil {
			r.Wired, r.Err = true, fmt.Errorf("written, but could not be read back: %w", err)
		} else if r.Wired, r.After = true, auditpath.Judge(d, settings); r.After.State != auditpath.OK {
			r.Err = fmt.Errorf("written, yet AuditEvent still does not reach honeyvault: %s", r.After.Reason)
		}
		mu.Lock()
		done++
		if progress != nil {
			progress(done, len(todo))
		}
		mu.Unlock()
	}, func(j int) { res[todo[j]].Err = ctx.Err() })
	return res
}
