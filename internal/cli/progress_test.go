package cli

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/deploy"
)

func TestProgressView(t *testing.T) {
	events := []deploy.Progress{
		{Vault: "kv-a", Phase: deploy.PhaseChecking},
		{Vault: "kv-a", Phase: deploy.PhasePlanting, Done: 1, Total: 2},
		{Vault: "kv-a", Phase: deploy.PhaseThrottled, Done: 1, Total: 2},
		{Vault: "kv-a", Phase: deploy.PhaseDone, Done: 2, Total: 2},
		{Vault: "kv-b", Phase: deploy.PhaseFailed, Err: errors.New("boom")},
	}
	var tty bytes.Buffer
	v := newProgressView(&tty, true, "planted", 2)
	for _, ev := range events {
		v.Update(ev)
	}
	v.Finish()
	if got := tty.String(); !strings.Contains(got, "\r\x1b[K[###############...............] 1/2 vaults, 2 decoys planted, 1 throttled waits") ||
		!strings.HasSuffix(got, "[##############################] 2/2 vaults, 2 decoys planted, 1 failed, 1 throttled waits\n") {
		t.Errorf("terminal output %q", got)
	}

	var lines bytes.Buffer
	v = newProgressView(&lines, false, "planted", 2)
	for _, ev := range events {
		v.Update(ev)
	}
	v.Finish()
	got := strings.Split(strings.TrimSuffix(lines.String(), "\n"), "\n")
	// The first report prints at once; the rest wait for the interval,
	// except the final state, printed once.
	if len(got) != 2 || got[0] != "0/2 vaults, 1 decoys planted" || got[1] != "2/2 vaults, 2 decoys planted, 1 failed, 1 throttled waits" {
		t.Errorf("lines %q", got)
	}
	if strings.Contains(lines.String()+tty.String(), "kv-a") {
		t.Errorf("progress names a vault or decoy")
	}
}
