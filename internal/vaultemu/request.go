package vaultemu

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
)

// call is one API request as the handlers and the audit entries see it.
type call struct {
	r        *http.Request
	id       string         // request.id, shared by the two audit entries
	path     string         // the API path without /v1/, as sent
	op       string         // read, create, update, delete, list, patch
	data     map[string]any // the JSON body, or a read's query parameters
	rawToken string         // as sent; "" when none
	token    *Token         // nil when missing or unknown
	remote   string
	port     int
	headers  map[string]headerValues // the audited request headers present
}

// route is what serves a path: its handler, the mount it belongs to, and
// what the authorisation check needs.
type route struct {
	handle        func(*call) reply
	mountPoint    string
	mountType     string
	mountAccessor string
	sudo          bool        // the path also needs the sudo capability
	exists        func() bool // existence check; nil means writes are updates
	authorize     func(*call) bool
}

// Operations, as audit entries name them.
const (
	OpRead   = "read"
	OpCreate = "create"
	OpUpdate = "update"
	OpDelete = "delete"
	OpList   = "list"
	OpPatch  = "patch"
)

// ServeHTTP answers one Vault API request: parse, authenticate, log the
// request entry, authorise and execute, log the response entry, reply.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path, found := strings.CutPrefix(r.URL.Path, "/v1/")
	if !found || path == "" {
		notFound().write(w, "", "")
		return
	}
	if s.servePublic(w, r, path) {
		return
	}
	c := &call{r: r, id: newUUID(), path: path, rawToken: requestToken(r)}
	c.remote, c.port = remoteAddr(r, s.opts.TrustForwardedFor)
	c.headers = s.auditedHeaderValues(r)
	var err error
	if c.op, err = operation(r); err != nil {
		reply{status: http.StatusMethodNotAllowed, errs: []string{err.Error()}}.write(w, c.id, "")
		return
	}
	if c.op == OpList && !strings.HasSuffix(c.path, "/") {
		c.path += "/" // Vault lists folders: its HTTP layer adds the slash
	}
	if p := readCallData(w, c, s.opts.MaxRequestSize); p.status != 0 {
		p.write(w, c.id, "")
		return
	}
	rt := s.resolve(c)
	if rt.exists != nil && c.op == OpUpdate && !rt.exists() {
		c.op = OpCreate
	}
	c.token = s.lookupToken(c.rawToken)
	denied := c.token == nil || !rt.authorize(c)
	in := logInput{call: c, route: rt, denied: denied}
	if denied {
		in.err = errPermissionDenied.Error()
	}
	if err := s.audit.log("request", in, s.Now()); err != nil {
		s.log.Error("vaultemu: no audit device could log the request; refusing it", "err", err)
		errReply(http.StatusInternalServerError, "internal error").write(w, c.id, "")
		return
	}
	var p reply
	if denied {
		p = errReply(http.StatusForbidden, deniedText)
	} else {
		p = rt.handle(c)
	}
	in.err, in.reply = p.errorText(), &p
	if p.data == nil && in.err != "" {
		// Vault's response entry carries an error answer's text as
		// response.data.error (HMAC'd like every other string).
		in.reply = &reply{status: p.status, data: map[string]any{"error": in.err}}
	}
	if denied {
		in.err = deniedText
		in.reply = &reply{status: http.StatusForbidden, data: map[string]any{"error": errPermissionDenied.Error()}}
	}
	if err := s.audit.log("response", in, s.Now()); err != nil {
		s.log.Error("vaultemu: no audit device could log the response; failing the request", "err", err)
		errReply(http.StatusInternalServerError, "internal error").write(w, c.id, "")
		return
	}
	p.write(w, c.id, rt.mountType)
}

// readCallData fills c.data from the JSON body of a write or the query
// of a read; a reply with a status when the body is refused (nothing is
// audited then: Vault's HTTP layer refuses it before the request exists).
func readCallData(w http.ResponseWriter, c *call, limit int64) reply {
	switch c.r.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
		b, err := io.ReadAll(http.MaxBytesReader(w, c.r.Body, limit))
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return errReply(http.StatusRequestEntityTooLarge, "request body too large")
		}
		if err != nil {
			return errReply(http.StatusBadRequest, "error reading request body")
		}
		if c.data, err = parseBody(b); err != nil {
			return errReply(http.StatusBadRequest, err.Error())
		}
	default:
		c.data = queryData(c.r.URL.Query())
	}
	return reply{}
}

// operation maps the HTTP method to Vault's operation; POST and PUT start
// as update and become create when the path has an existence check that
// finds nothing.
func operation(r *http.Request) (string, error) {
	switch r.Method {
	case "LIST":
		return OpList, nil
	case http.MethodGet:
		if l := r.URL.Query().Get("list"); l != "" {
			if b, err := strconv.ParseBool(l); err == nil && b {
				return OpList, nil
			}
		}
		return OpRead, nil
	case http.MethodPost, http.MethodPut:
		return OpUpdate, nil
	case http.MethodDelete:
		return OpDelete, nil
	case http.MethodPatch:
		return OpPatch, nil
	}
	return "", errors.New("unsupported operation")
}

// requestToken is the token of X-Vault-Token or, failing that, of
// Authorization: Bearer.
func requestToken(r *http.Request) string {
	if t := r.Header.Get("X-Vault-Token"); t != "" {
		return strings.TrimSpace(t)
	}
	if v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return strings.TrimSpace(v)
	}
	return ""
}

// remoteAddr is the caller's address and port: the connection's, or with
// trustXFF the first X-Forwarded-For address (the port stays the
// connection's, as in Vault).
func remoteAddr(r *http.Request, trustXFF bool) (string, int) {
	host, port, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host, port = r.RemoteAddr, "0"
	}
	n, _ := strconv.Atoi(port)
	if xff := r.Header.Get("X-Forwarded-For"); trustXFF && xff != "" {
		first, _, _ := strings.Cut(xff, ",")
		if ip := net.ParseIP(strings.TrimSpace(first)); ip != nil {
			host = ip.String()
		}
	}
	return host, n
}

// allowedOp is the plain ACL check: the token's capabilities on the path
// include the operation's (and sudo when the route needs it).
func (s *Server) allowedOp(c *call, sudo bool) bool {
	caps := s.capabilities(c.token, c.path)
	if c.op == OpList {
		// Vault first looks for an exact rule naming the folder without
		// its slash ("kv/metadata/apps" grants LIST kv/metadata/apps/).
		if exact, found := s.exactCapabilities(c.token, strings.TrimSuffix(c.path, "/")); found {
			caps = exact
		}
	}
	if sudo && !caps[CapSudo] {
		return false
	}
	return caps[c.op]
}
