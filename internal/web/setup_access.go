package web

import (
	"net/url"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/auth"
)

// setupAccess fills the handler's identity and access fields from o and
// parses the console templates. Templates are embedded, so a parse error
// is a bug in this binary: it panics like template.Must.
func (h *handler) setupAccess(o Options) {
	v, err := loadViews()
	if err != nil {
		panic(err)
	}
	h.views = v
	h.oidc, h.secure = o.OIDC, o.Secure
	h.loginLimit, h.ingestLimit, h.loginRefusals = o.LoginLimit, o.IngestLimit, o.LoginRefusals
	h.ingestLimits = o.IngestLimits
	if h.ingestLimits.Concurrent <= 0 {
		h.ingestLimits.Concurrent = DefaultIngestConcurrent
	}
	h.ingestSlots = make(chan struct{}, h.ingestLimits.Concurrent)
	h.largeSlots = make(chan struct{}, max(1, h.ingestLimits.Concurrent/2))
	h.now = o.Now
	if h.now == nil {
		h.now = func() time.Time { return time.Now().UTC() }
	}
	h.sessionMaxAge = o.Auth.AbsoluteTimeout
	if h.sessionMaxAge <= 0 {
		h.sessionMaxAge = auth.DefaultAbsoluteTimeout
	}
	h.oidcLabel = "Sign in with single sign-on"
	if o.OIDC != nil && strings.EqualFold(issuerHost(o.OIDC.Issuer()), "login.microsoftonline.com") {
		h.oidcLabel = "Sign in with Microsoft Entra ID"
	}
}

func issuerHost(issuer string) string {
	u, err := url.Parse(issuer)
	if err != nil {
		return ""
	}
	return u.Hostname()
}
