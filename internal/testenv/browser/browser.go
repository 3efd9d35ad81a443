// Package browser drives Debian's headless Chromium for the console's
// browser tests (chromedp), one copy for every package that has them: it
// starts the browser (skipping where it is not installed, failing in CI,
// see testenv.Unavailable), records what the browser reports — errors in
// its log (a Content-Security-Policy violation is one), console errors,
// exceptions — and saves screenshots for review.
//
// Screenshots go to $HONEYVAULT_SCREENSHOTS when it is set (created when
// missing), else to a directory removed with the test.
package browser

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/honeyvault/honeyvault/internal/testenv"
)

// ScreenshotsEnv names the directory screenshots are saved in.
const ScreenshotsEnv = "HONEYVAULT_SCREENSHOTS"

// Chrome is one tab of a headless Chromium for one test, with what it
// reported. Its methods fail the test on error. Not safe for concurrent
// use.
type Chrome struct {
	// Ctx is the tab's chromedp context, for actions the helpers lack.
	Ctx context.Context
	// Shots is the directory screenshots go to.
	Shots string

	t        testing.TB
	mu       sync.Mutex
	problems []string
}

// Start starts Chromium for t. within bounds the whole browser session: a
// failure bound (Chromium starts slowly on a loaded machine), not an
// expectation; the browser ends with the test.
func Start(t testing.TB, within time.Duration) *Chrome {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		testenv.Unavailable(t, "chromium: %v", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.Flag("headless", true), chromedp.Flag("disable-gpu", true))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	ctx, cancel = context.WithTimeout(ctx, within)
	t.Cleanup(cancel)
	shots := os.Getenv(ScreenshotsEnv)
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	return watch(t, ctx, shots)
}

// Fresh opens a tab in a new browser context of the same browser: no
// cookie or storage of c's, as a second person at another computer. It
// shares c's time bound and screenshot directory.
func (c *Chrome) Fresh() *Chrome {
	c.t.Helper()
	ctx, cancel := chromedp.NewContext(c.Ctx, chromedp.WithNewBrowserContext())
	c.t.Cleanup(cancel)
	return watch(c.t, ctx, c.Shots)
}

// watch records what the tab of ctx reports, starting the tab.
func watch(t testing.TB, ctx context.Context, shots string) *Chrome {
	t.Helper()
	c := &Chrome{Ctx: ctx, Shots: shots, t: t}
	err := chromedp.Listen(ctx, func(ev any) {
		c.mu.Lock()
		defer c.mu.Unlock()
		switch ev := ev.(type) {
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError && !strings.Contains(ev.Entry.URL, "favicon") {
				c.problems = append(c.problems, ev.Entry.Source.String()+": "+ev.Entry.Text)
			}
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				c.problems = append(c.problems, "console error")
			}
		case *runtime.EventExceptionThrown:
			c.problems = append(c.problems, "exception: "+ev.ExceptionDetails.Text)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, log.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	return c
}

// Step runs actions, failing the test with what on error.
func (c *Chrome) Step(what string, actions ...chromedp.Action[chromedp.Void]) {
	c.t.Helper()
	if err := chromedp.Do(c.Ctx, actions...); err != nil {
		c.t.Fatalf("%s: %v", what, err)
	}
}

// Read runs an action that yields a string (a text, a value, a location).
func (c *Chrome) Read(what string, a chromedp.Action[string]) string {
	c.t.Helper()
	v, err := chromedp.Run(c.Ctx, a)
	if err != nil {
		c.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// CheckFits reports an error (the test goes on) when the page is wider
// than the window: the reader would have to scroll sideways.
func (c *Chrome) CheckFits(what string) {
	c.t.Helper()
	if w := c.Read(what+": width", chromedp.Evaluate[string](`document.documentElement.scrollWidth > window.innerWidth ? document.documentElement.scrollWidth + " > " + window.innerWidth : ""`)); w != "" {
		c.t.Errorf("%s: the page is wider than the window (%s px)", what, w)
	}
}

// WaitFor waits until the JavaScript expression is true in the page: the
// state, not a time. Each poll gives up after 30 s; WaitFor asks again, up
// to the session's bound.
func (c *Chrome) WaitFor(what, expr string) {
	c.t.Helper()
	var err error
	for range 20 {
		// A form's answer may replace the page under the poll ("navigated
		// or closed", "cannot find context"): ask the new page.
		if _, err = chromedp.Run(c.Ctx, chromedp.Poll[bool](expr)); err == nil || c.Ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		c.t.Fatalf("waiting for %s: %v", what, err)
	}
}

// Screenshot saves the whole page as name.png in Shots.
func (c *Chrome) Screenshot(name string) {
	c.t.Helper()
	png, err := chromedp.Run(c.Ctx, chromedp.FullScreenshot(100))
	if err != nil {
		c.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(c.Shots, name+".png"), png, 0o644); err != nil {
		c.t.Fatal(err)
	}
}

// CheckProblems fails the test for anything the browser reported.
func (c *Chrome) CheckProblems() {
	c.t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.problems {
		c.t.Errorf("browser reported: %s", p)
	}
}
