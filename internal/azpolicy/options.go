package azpolicy

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
)

// Options are what the template is made from. Link is required; the tag
// fields default to the original's KVReview, ReviewNeeded and Reviewed.
type Options struct {
	Link         string // the console's coverage page, linked from the audit policy
	TagName      string
	ReviewNeeded string // the value the modify policy adds
	Reviewed     string // the value the audit policy wants
}

// Tag defaults, as the original solution named them.
const (
	DefaultTagName      = "KVReview"
	DefaultReviewNeeded = "ReviewNeeded"
	DefaultReviewed     = "Reviewed"
)

func (o Options) withDefaults() Options {
	if o.TagName == "" {
		o.TagName = DefaultTagName
	}
	if o.ReviewNeeded == "" {
		o.ReviewNeeded = DefaultReviewNeeded
	}
	if o.Reviewed == "" {
		o.Reviewed = DefaultReviewed
	}
	return o
}

// tagRE is what Azure accepts in a tag name or value that must also sit
// inside a policy expression unquoted: no <>%&\?/ (Azure's rule), no
// quotes or brackets (they would end the expression).
var tagRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._:+=@-]{0,127}$`)

// Validate reports the first thing wrong with o.
func (o Options) Validate() error {
	if err := ValidateLink(o.Link); err != nil {
		return err
	}
	o = o.withDefaults()
	for _, f := range []struct{ what, v string }{{"tag name", o.TagName}, {"tag value", o.ReviewNeeded}, {"tag value", o.Reviewed}} {
		if !tagRE.MatchString(f.v) {
			return fmt.Errorf("azpolicy: %s %q: want letters, digits, spaces and ._:+=@- (up to 128, starting with a letter or digit)", f.what, f.v)
		}
	}
	if strings.EqualFold(o.ReviewNeeded, o.Reviewed) {
		return fmt.Errorf("azpolicy: the review-needed and reviewed tag values are both %q", o.Reviewed)
	}
	return nil
}

// ValidateLink checks the coverage page's URL: absolute https, or plain
// http on the loopback address for the lab; no user info, no fragment.
func ValidateLink(link string) error {
	if link == "" {
		return fmt.Errorf("azpolicy: --link is required: the console's coverage page, e.g. https://honeyvault.contoso.com/vaults")
	}
	u, err := url.Parse(link)
	if err != nil {
		return fmt.Errorf("azpolicy: link %q: %v", link, err)
	}
	switch {
	case u.Host == "" || !u.IsAbs():
		return fmt.Errorf("azpolicy: link %q: want an absolute URL such as https://honeyvault.contoso.com/vaults", link)
	case u.User != nil || u.Fragment != "":
		return fmt.Errorf("azpolicy: link %q: want no user info and no fragment", link)
	case strings.ContainsAny(link, "\"'[]\\ "):
		return fmt.Errorf("azpolicy: link %q: quotes, brackets, backslashes and spaces must be percent-encoded", link)
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return nil // the lab's console
	}
	return fmt.Errorf("azpolicy: link %q: want https (http only on 127.0.0.1, for the lab)", link)
}

func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return ip != nil && ip.Equal(net.IPv4(127, 0, 0, 1))
}
