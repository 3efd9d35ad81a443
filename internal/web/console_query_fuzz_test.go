package web

import (
	"net/url"
	"testing"
)

// The list pages' URLs are their state: whatever query a page accepts, the
// links it makes from it must parse back to the same state, and a query it
// refuses is refused with a reason.
func FuzzIncidentsQuery(f *testing.F) {
	for _, s := range []string{"", "state=closed&severity=high&vault=kv-pay&range=7d&before=12", "vault=%2Fsubscriptions%2Fs%2Fx&range=24h",
		"state=open&severity=", "before=0", "vault=a%26b%3Dc", "range=1y", "severity=critical&state=closed&before=99999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		iq, bad := parseIncidentsQuery(q)
		if bad != "" {
			return
		}
		link, err := url.Parse(iq.url(nil))
		if err != nil {
			t.Fatalf("link %q: %v", iq.url(nil), err)
		}
		again, bad := parseIncidentsQuery(link.Query())
		if bad != "" || again != iq {
			t.Fatalf("%q → %+v → %q → %+v (%s)", raw, iq, link, again, bad)
		}
	})
}

func FuzzHoneytokensQuery(f *testing.F) {
	for _, s := range []string{"", "q=pay&type=key&status=active&after=100", "q=%25_%21", "type=password", "after=-1", "q=+a+"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		hq, bad := parseHoneytokensQuery(q)
		if bad != "" {
			return
		}
		link, err := url.Parse(hq.url(hq.After))
		if err != nil {
			t.Fatalf("link %q: %v", hq.url(hq.After), err)
		}
		again, bad := parseHoneytokensQuery(link.Query())
		if bad != "" || again != hq {
			t.Fatalf("%q → %+v → %q → %+v (%s)", raw, hq, link, again, bad)
		}
	})
}
