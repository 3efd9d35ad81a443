package cli

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/honeyvault/honeyvault/internal/deploy"
)

// progressView shows how a run over many vaults goes, on stderr: a bar
// redrawn in place on a terminal, a line every few seconds otherwise. It
// counts vaults and decoys, and never shows a decoy name.
type progressView struct {
	w        io.Writer
	tty      bool
	verb     string // "planted", "retired", "checked"
	total    int    // vaults
	interval time.Duration

	mu        sync.Mutex
	finished  map[string]bool
	failed    int
	items     map[string]int // decoys done per vault
	throttled int
	last      time.Time
	lastLine  string
}

func newProgressView(w io.Writer, tty bool, verb string, vaults int) *progressView {
	return &progressView{w: w, tty: tty, verb: verb, total: vaults, interval: 5 * time.Second,
		finished: map[string]bool{}, items: map[string]int{}}
}

// Update takes one progress report (from any goroutine).
func (p *progressView) Update(ev deploy.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch ev.Phase {
	case deploy.PhasePlanting:
		p.items[ev.Vault] = ev.Done
	case deploy.PhaseThrottled:
		p.throttled++
	case deploy.PhasePlanned:
		p.items[ev.Vault] = ev.Total
		p.finished[ev.Vault] = true
	case deploy.PhaseDone, deploy.PhaseFailed:
		p.items[ev.Vault] = ev.Done
		if !p.finished[ev.Vault] {
			p.finished[ev.Vault] = true
			if ev.Phase == deploy.PhaseFailed {
				p.failed++
			}
		}
	default:
		return
	}
	now := time.Now()
	if p.tty || now.Sub(p.last) >= p.interval {
		p.last = now
		p.drawLocked(false)
	}
}

// Finish draws the final state and ends the line.
func (p *progressView) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.drawLocked(true)
}

func (p *progressView) drawLocked(final bool) {
	items := 0
	for _, n := range p.items {
		items += n
	}
	status := fmt.Sprintf("%d/%d vaults, %d decoys %s", len(p.finished), p.total, items, p.verb)
	if p.failed > 0 {
		status += fmt.Sprintf(", %d failed", p.failed)
	}
	if p.throttled > 0 {
		status += fmt.Sprintf(", %d throttled waits", p.throttled)
	}
	if !p.tty {
		if status != p.lastLine {
			p.lastLine = status
			fmt.Fprintln(p.w, status)
		}
		return
	}
	const width = 30
	filled := 0
	if p.total > 0 {
		filled = width * len(p.finished) / p.total
	}
	fmt.Fprintf(p.w, "\r\x1b[K[%s%s] %s", strings.Repeat("#", filled), strings.Repeat(".", width-filled), status)
	if final {
		fmt.Fprintln(p.w)
	}
}
