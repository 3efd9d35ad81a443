package web

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/honeyvault/honeyvault/internal/auth"
	"github.com/honeyvault/honeyvault/internal/testenv/browser"
)

// An analyst signs in, follows Cluster in the navigation and reads the
// replicas and leases at desktop and phone width under the real
// Content-Security-Policy; nothing overflows the page, and the replica
// serving it is marked. Each view is saved as a PNG for review.
func TestClusterInABrowser(t *testing.T) {
	e := newEnv(t, withCluster())
	analyst := e.token(auth.Analyst)
	c := browser.Start(t, 3*time.Minute) // a failure bound: Chromium starts slowly on a loaded machine
	phone := chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2))
	desktop := chromedp.EmulateViewport(1280, 900)

	c.Step("desktop width", desktop)
	c.Step("open /", chromedp.Navigate(e.srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("token")))
	c.Step("sign in", chromedp.SendKeys(chromedp.ID("token"), analyst), chromedp.Submit(chromedp.ID("token")),
		chromedp.WaitVisible(chromedp.CSS(`nav a[href="/cluster"]`)))
	c.Step("follow Cluster", chromedp.Click(chromedp.CSS(`nav a[href="/cluster"]`)), chromedp.WaitVisible(chromedp.CSS(`table.cluster`)))
	here := c.Read("marked row", chromedp.Text(chromedp.CSS(`table.cluster tr.here`)))
	main := c.Read("page", chromedp.Text(chromedp.CSS("main")))
	c.CheckFits("/cluster at 1280 px")
	c.Screenshot("cluster")
	c.Step("phone width", phone, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`table.cluster`)))
	c.CheckFits("/cluster at 390 px")
	// On a phone each replica is a card whose cells say what they are.
	label := c.Read("a cell's label", chromedp.Text(chromedp.CSS(`table.cluster tr.here td:nth-child(3)`)))
	c.Screenshot("cluster-phone")

	if !strings.Contains(here, replicaHere) || !strings.Contains(here, "this page") {
		t.Errorf("the marked row is %q; want %s, this page", here, replicaHere)
	}
	for _, want := range []string{"3 replicas, 2 alive", replicaOther, "1m35s", "archive, eventhub-weu", "source:archive", "not seen"} {
		if !strings.Contains(main, want) {
			t.Errorf("/cluster lacks %q", want)
		}
	}
	if got := strings.Join(strings.Fields(label), " "); got != "lag 4s, 120 records waiting" {
		t.Errorf("at phone width the lag cell reads %q; want %q", got, "lag 4s, 120 records waiting")
	}
	c.CheckProblems()
	t.Logf("screenshots in %s", c.Shots)
}
