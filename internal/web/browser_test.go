package web

import (
	"context"
	"os/exec"
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

// A real browser signs in through the console, creates a token and signs
// out, under the real Content-Security-Policy: the stylesheet must apply and
// the browser must report no violation or error on the way.
func TestConsoleInABrowser(t *testing.T) {
	chrome, err := exec.LookPath("chromium")
	if err != nil {
		testenv.Unavailable(t, "chromium: %v", err)
	}
	e := newEnv(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chrome), chromedp.NoSandbox,
		chromedp.Flag("headless", true), chromedp.Flag("disable-gpu", true))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 3*time.Minute) // a failure bound: Chromium starts slowly on a loaded machine
	defer cancel()

	var mu sync.Mutex
	var problems []string
	err = chromedp.Listen(ctx, func(ev any) {
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
	})
	if err != nil {
		t.Fatal(err)
	}

	if _, err := chromedp.Call(ctx, log.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
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
	step("open /tokens", chromedp.Navigate(e.srv.URL+"/tokens"), chromedp.WaitVisible(chromedp.ID("token")))
	url := read("location", chromedp.Location())
	step("sign in", chromedp.SendKeys(chromedp.ID("token"), adminToken), chromedp.Submit(chromedp.ID("token")),
		chromedp.WaitVisible(chromedp.ID("name"))) // back on /tokens, signed in
	headerBG := read("header style", chromedp.Evaluate[string](`getComputedStyle(document.querySelector("header.top")).backgroundColor`))
	home := read("header", chromedp.Text(chromedp.CSS("header.top")))
	step("create a token", chromedp.SendKeys(chromedp.ID("name"), "browser-made"),
		chromedp.SetValue(chromedp.ID("role"), "ingest"), chromedp.Submit(chromedp.ID("name")),
		chromedp.WaitVisible(chromedp.CSS("input.secret")))
	token := read("token", chromedp.Value(chromedp.CSS("input.secret")))
	created := read("page", chromedp.Text(chromedp.CSS("main")))
	step("sign out", chromedp.Click(chromedp.CSS("header.top form button")), chromedp.WaitVisible(chromedp.CSS(`input[type="password"]`)))

	if !strings.Contains(url, "/login?next=") {
		t.Errorf("anonymous browser landed on %s; want the sign-in page", url)
	}
	if headerBG == "" || headerBG == "rgba(0, 0, 0, 0)" {
		t.Errorf("the stylesheet did not apply (header background %q)", headerBG)
	}
	if !strings.Contains(home, "admin") || !strings.Contains(home, "Sign out") {
		t.Errorf("header after sign-in: %q", home)
	}
	if !strings.HasPrefix(token, "hvt_") || !strings.Contains(created, "shown only this once") {
		t.Errorf("token page: %q, token %q", created, token)
	}
	if got, want := e.auditActions(), "auth.sign_out token.create auth.sign_in"; got != want {
		t.Errorf("audit: got %q; want %q", got, want)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Errorf("browser reported: %s", p)
	}
}
