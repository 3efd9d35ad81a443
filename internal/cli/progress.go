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
	drawBar(p.w, len(p.finished), p.total, status, final)
}

// drawBar redraws a progress bar of done out of total in place on a
// terminal, with status after it; final ends the line.
func drawBar(w io.Writer, done, total int, status string, final bool) {
	const width = 30
	filled := 0
	if total > 0 {
		filled = width * done / total
	}
	fmt.Fprintf(w, "\r\x1b[K[%s%s] %s", strings.Repeat("#", filled), strings.Repeat(".", width-filled), status)
	if final {
		fmt.Fprintln(w)
	}
}

// countView is a progressView for runs that count vaults only (policy
// tag): a bar redrawn in place on a terminal, a line every few seconds
// otherwise.
type countView struct {
	w        io.Writer
	tty      bool
	verb     string
	total    int
	interval time.Duration

	mu   sync.Mutex
	done int
	last time.Time
}

func newCountView(w io.Writer, tty bool, verb string, total int) *countView {
	return &countView{w: w, tty: tty, verb: verb, total: total, interval: 5 * time.Second}
}

// Update takes the count of vaults done (from any goroutine).
func (c *countView) Update(done, _ int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.done = done
	if now := time.Now(); c.tty || now.Sub(c.last) >= c.interval {
		c.last = now
		c.drawLocked(false)
	}
}

// Finish draws the final count and ends the line.
func (c *countView) Finish() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.drawLocked(true)
}

func (c *countView) drawLocked(final bool) {
	status := fmt.Sprintf("%d/%d vaults %s", c.done, c.total, c.verb)
	if !c.tty {
		if final || c.done < c.total {
			fmt.Fprintln(c.w, status)
		}
		return
	}
	drawBar(c.w, c.done, c.total, status, final)
}
