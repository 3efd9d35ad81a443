package web

import (
	"context"
	"fmt"
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

// headlessChromium starts Debian's Chromium for one test and collects what
// it reports as a problem (errors logged, CSP violations, exceptions).
func headlessChromium(t *testing.T) (context.Context, func() []string) {
	t.Helper()
	chrome, err := exec.LookPath("chromium")
	if err != nil {
		testenv.Unavailable(t, "chromium: %v", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chrome), chromedp.NoSandbox,
		chromedp.Flag("headless", true), chromedp.Flag("disable-gpu", true))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(cancelTab)
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute) // a failure bound: Chromium starts slowly on a loaded machine
	t.Cleanup(cancel)
	var mu sync.Mutex
	var problems []string
	if err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError && !strings.Contains(ev.Entry.URL, "favicon") {
				problems = append(problems, ev.Entry.Source.String()+": "+ev.Entry.Text)
			}
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				problems = append(problems, "console error")
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+ev.ExceptionDetails.Text)
		}
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, log.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	return ctx, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), problems...)
	}
}

// screenshotDir is where browser tests save screenshots for review:
// $HONEYVAULT_SCREENSHOTS, else the test's temporary directory.
func screenshotDir(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv("HONEYVAULT_SCREENSHOTS"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	return t.TempDir()
}

// A browser signs in, opens /vaults and a vault's page at desktop and
// phone width, under the real Content-Security-Policy: each page says what
// it must, nothing overflows sideways, and the browser reports no problem.
// Each view is saved as a PNG for review.
func TestVaultPagesInABrowser(t *testing.T) {
	e := newEnv(t)
	e.seedVaults()
	e.recordFor(envVaultPay, "kv-pay")
	ctx, problems := headlessChromium(t)
	dir := screenshotDir(t)
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	read := func(what string, a chromedp.Action[string]) string {
		t.Helper()
		v, err := chromedp.Run(ctx, a)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
	overflows := func(what string, width int) {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`document.documentElement.scrollWidth > %d`, width)))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if v {
			t.Errorf("%s: the page is wider than the window", what)
		}
	}
	shoot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	step("desktop width", chromedp.EmulateViewport(1280, 900))
	step("open /vaults", chromedp.Navigate(e.srv.URL+"/vaults"), chromedp.WaitVisible(chromedp.ID("token")))
	step("sign in", chromedp.SendKeys(chromedp.ID("token"), adminToken), chromedp.Submit(chromedp.ID("token")),
		chromedp.WaitVisible(chromedp.ID("coverage-headline")))
	headline := read("headline", chromedp.Text(chromedp.ID("coverage-headline")))
	list := read("list", chromedp.Text(chromedp.CSS("main")))
	color := read("state colour", chromedp.Evaluate[string](`getComputedStyle(document.querySelector("td .state.covered")).color`))
	overflows("/vaults at 1280 px", 1280)
	shoot("vaults")
	step("phone width", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	overflows("/vaults at 390 px", 390)
	shoot("vaults-phone")

	step("open kv-pay", chromedp.EmulateViewport(1280, 900), chromedp.Click(chromedp.CSS(`a[href$="/vaults/kv-pay"]`)), chromedp.WaitVisible(chromedp.ID("reasons")))
	state := read("state", chromedp.Text(chromedp.ID("vault-state")))
	page := read("vault page", chromedp.Text(chromedp.CSS("main")))
	overflows("kv-pay at 1280 px", 1280)
	shoot("vault")
	step("phone width", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	overflows("kv-pay at 390 px", 390)
	shoot("vault-phone")

	if headline != "1 of 3 vaults covered" {
		t.Errorf("headline: %q", headline)
	}
	for _, want := range []string{"Contoso Payments", "Contoso HR", "covered", "at risk", "not covered", "kv-legacy-batch", "no decoy planted"} {
		if !strings.Contains(list, want) {
			t.Errorf("/vaults lacks %q", want)
		}
	}
	if color == "" || color == "rgb(29, 35, 48)" {
		t.Errorf("the covered state is not coloured (%q): the stylesheet did not apply", color)
	}
	if !strings.Contains(state, "covered") || !strings.Contains(page, "Why it is covered") || !strings.Contains(page, ownDecoy) {
		t.Errorf("kv-pay's page: state %q\n%s", state, page)
	}
	for _, p := range problems() {
		t.Errorf("browser reported: %s", p)
	}
	t.Logf("screenshots in %s", dir)
}
