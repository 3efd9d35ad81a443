package web

import (
	"net/http"
	"regexp"
	"testing"
)

func TestNavSection(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/", "/"},
		{"/vaults", "/vaults"},
		{"/vaults/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv", "/vaults"},
		{"/deploys/3", "/vaults"},
		{"/retires/4", "/vaults"},
		{"/incidents/7", "/incidents"},
		{"/settings/sources", "/settings"},
		{"/settings", "/settings"},
		{"/settingsx", ""}, // a prefix of the name is not a sub-path
		{"/login", ""},
		{"/nope", ""},
	}
	for _, tt := range tests {
		if got := navSection(tt.in); got != tt.want {
			t.Errorf("navSection(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

// navCurrentRE finds the main navigation's links marked current, and how,
// in mainNavRE's match.
var (
	mainNavRE    = regexp.MustCompile(`(?s)<nav aria-label="Main">.*?</nav>`)
	navCurrentRE = regexp.MustCompile(`<a href="(/[a-z]*)" aria-current="(page|true)">`)
)

// The main navigation marks the link of the section a page is in: the page
// itself as the current page, a page under it as the current section.
func TestNavMarksTheCurrentSection(t *testing.T) {
	e := newEnv(t)
	e.seedIncident()
	c := e.browser()
	e.signIn(c, adminToken)
	tests := []struct{ path, want string }{
		{"/", "/ page"},
		{"/settings", "/settings page"},
		{"/settings/sources", "/settings true"},
		{"/settings/planting", "/settings true"},
		{"/incidents", "/incidents page"},
		{"/incidents/1", "/incidents true"},
		{"/vaults", "/vaults page"},
		{"/nope", ""},
	}
	for _, tt := range tests {
		_, body := e.request(c, "GET", tt.path, "", nil)
		got := ""
		for i, m := range navCurrentRE.FindAllStringSubmatch(mainNavRE.FindString(body), -1) {
			if i > 0 {
				got += ", "
			}
			got += m[1] + " " + m[2]
		}
		if got != tt.want {
			t.Errorf("GET %s marks %q; want %q", tt.path, got, tt.want)
		}
	}
	if resp, _ := e.request(c, "GET", "/settings/sources", "", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("GET /settings/sources: %d", resp.StatusCode)
	}
}
