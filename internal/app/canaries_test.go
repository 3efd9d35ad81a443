package app

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/canary"
	"github.com/honeyvault/honeyvault/internal/storable"
)

// Whatever a listener recorded — NULs, invalid UTF-8, quotes, newlines,
// huge values — the detail kept with the alert is storable on both
// databases, bounded, and one line; the hit's id changes with any field
// and not with the map's order.
func TestCanaryDetailIsStorableAndBounded(t *testing.T) {
	h := canary.Hit{Kind: canary.KindHTTP, Token: canary.NewToken(), Remote: netip.MustParseAddrPort("192.0.2.1:4444"),
		At: time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC), Detail: map[string]string{
			"user_agent": "a\x00b\xff\xfe\"quoted\"\nnext line <b>",
			"path":       strings.Repeat("/x", 5000),
			"method":     "GET",
		}}
	got := detailText(h)
	if !storable.Is(got) || len(got) > maxDetailText || strings.ContainsAny(got, "\n\x00") {
		t.Errorf("detail %q: storable %v, %d bytes", got, storable.Is(got), len(got))
	}
	if !strings.HasPrefix(got, `method="GET" path="/x/x`) {
		t.Errorf("detail %q: want the keys in order", got)
	}
	id := hitID(h)
	same := h
	same.Detail = map[string]string{"method": "GET", "path": h.Detail["path"], "user_agent": h.Detail["user_agent"]}
	if hitID(same) != id {
		t.Error("the same hit got another id")
	}
	for name, other := range map[string]canary.Hit{
		"later":  {Kind: h.Kind, Token: h.Token, Remote: h.Remote, At: h.At.Add(time.Nanosecond), Detail: h.Detail},
		"port":   {Kind: h.Kind, Token: h.Token, Remote: netip.MustParseAddrPort("192.0.2.1:4445"), At: h.At, Detail: h.Detail},
		"detail": {Kind: h.Kind, Token: h.Token, Remote: h.Remote, At: h.At, Detail: map[string]string{"method": "POST"}},
	} {
		if hitID(other) == id {
			t.Errorf("%s: another hit got the same id", name)
		}
	}
}
