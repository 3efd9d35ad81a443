package httpcanary

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/canary"
)

// The answers: fixed bodies, nothing of the request reflected.
const (
	forbiddenBody    = `{"error":{"code":"Forbidden","message":"The request is not authorized to access this resource."}}` + "\n"
	unauthorizedBody = `{"error":{"code":"Unauthorized","message":"Authentication failed: the credentials supplied are not valid."}}` + "\n"
)

// keyHeaders are the headers API clients commonly carry a key in, besides
// Authorization: a decoy API key may travel in one of them.
var keyHeaders = []string{"X-Api-Key", "Api-Key", "Ocp-Apim-Subscription-Key", "X-Auth-Token"}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	// Read a little of the body so a small POST keeps its connection;
	// MaxBytesReader closes it after the answer when there is more.
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	io.Copy(io.Discard, r.Body)

	s.rec.Record(r.Context(), hitOf(r)) // the answer is the same whatever the outcome

	h := w.Header()
	if storageRequest(r) {
		answerStorage(w)
		return
	}
	if s.cfg.ServerName != "" {
		h.Set("Server", s.cfg.ServerName)
	}
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	if _, _, basic := r.BasicAuth(); basic {
		h.Set("WWW-Authenticate", `Basic realm="api", charset="UTF-8"`)
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, unauthorizedBody)
		return
	}
	w.WriteHeader(http.StatusForbidden)
	io.WriteString(w, forbiddenBody)
}

// hitOf records r: what it asked, who asked, and the token it carried.
// Credentials are never recorded, only the token found in them.
func hitOf(r *http.Request) canary.Hit {
	d := map[string]string{
		"method": canary.Clip(r.Method),
		"path":   canary.Clip(r.URL.RequestURI()),
		"host":   canary.Clip(r.Host),
	}
	if ua := r.UserAgent(); ua != "" {
		d["user_agent"] = canary.Clip(ua)
	}
	if scheme, _, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok {
		d["auth_scheme"] = canary.Clip(scheme)
	}
	return canary.Hit{
		Kind:   canary.KindHTTP,
		Token:  tokenOf(r),
		Remote: canary.RemoteAddr(r.RemoteAddr),
		At:     time.Now(),
		Detail: d,
	}
}

// tokenOf finds the token r carries, looking where a URL with an embedded
// credential puts it: the path, the query, the host name, the basic-auth
// user and password, the Authorization header and the API-key headers.
func tokenOf(r *http.Request) string {
	places := []string{r.URL.Path, r.URL.RawPath, unescape(r.URL.RawQuery), r.Host}
	if user, pass, ok := r.BasicAuth(); ok {
		places = append(places, user, pass)
	} else {
		places = append(places, r.Header.Get("Authorization"))
	}
	for _, k := range keyHeaders {
		places = append(places, r.Header.Get(k))
	}
	for _, p := range places {
		if tok := canary.FindToken(p); tok != "" {
			return tok
		}
	}
	return ""
}

// unescape decodes a query's percent-encoding, or leaves it as it came
// when it is malformed: a token is still found in the rest.
func unescape(q string) string {
	if u, err := url.QueryUnescape(q); err == nil {
		return u
	}
	return q
}
