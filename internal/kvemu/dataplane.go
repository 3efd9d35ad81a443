package kvemu

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
)

// objectKind is the type of a vault object.
type objectKind int

const (
	kindSecret objectKind = iota + 1
	kindKey
	kindCertificate
)

// opSpec is one data-plane operation: its audit name, the permission it
// needs in each model, the limit it counts against and its handler.
type opSpec struct {
	name   string     // operationName in audit records, e.g. "SecretGet"
	kind   objectKind // which permission list it needs
	perm   string     // access-policy permission
	action string     // RBAC data action
	class  limitClass
	run    func(c *call) (result, error)
}

// call is one authenticated, routed data-plane request.
type call struct {
	e       *Emulator
	v       *vault
	r       *http.Request
	claims  *tokenClaims
	name    string // object name from the path ("" for collection operations)
	version string // object version from the path ("" for latest)
	body    []byte
	now     time.Time
}

// result is what an operation answers on success.
type result struct {
	status int
	body   any    // JSON-encoded; nil means no body
	id     string // the object id reported as properties.id
}

// maxBody bounds request bodies; Key Vault's own limit is 25 KB per secret
// value, so 1 MiB is generous for every request.
const maxBody = 1 << 20

var objectNameRE = regexp.MustCompile(`^[0-9a-zA-Z-]{1,127}$`)

// serveVault serves one data-plane request for the vault named by Host and
// writes its AuditEvent record.
func (e *Emulator) serveVault(w http.ResponseWriter, r *http.Request, name, suffix string) {
	started := e.Now()
	t0 := time.Now()
	v, ok := e.lookupVault(name)
	if !ok || v.dnsSuffix != suffix {
		// Azure's DNS would not resolve the name; nothing is logged.
		writeError(w, &apiError{status: http.StatusNotFound, code: "VaultNotFound", message: "No vault named " + name})
		return
	}
	correl := r.Header.Get("x-ms-client-request-id")
	if _, err := uuid.Parse(correl); err != nil {
		correl = uuid.NewString()
	}
	in := auditInput{r: r, v: v, op: "Authentication", started: started, correlID: correl}
	status, body, hdr := e.handleVault(r, v, &in)
	in.status = status
	in.elapsed = time.Since(t0)

	w.Header().Set("x-ms-request-id", correl)
	w.Header().Set("x-ms-keyvault-service-version", "1.9.2920.1")
	w.Header().Set("x-ms-keyvault-region", v.location)
	w.Header().Set("Cache-Control", "no-cache")
	for k, vs := range hdr {
		for _, val := range vs {
			w.Header().Add(k, val)
		}
	}
	// The record is queued before the answer is written, so a caller that
	// has its answer can Flush and find the record.
	e.emitAudit(v, started, e.buildAudit(in))
	writeJSON(w, status, body)
}

// handleVault authenticates, routes, checks faults and permissions and
// runs the operation. It fills in's operation, claims and outcome.
func (e *Emulator) handleVault(r *http.Request, v *vault, in *auditInput) (int, []byte, http.Header) {
	fail := func(err *apiError) (int, []byte, http.Header) {
		in.errMessage = err.message
		return err.status, err.body(), err.header
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return fail(errBadParameter("The request body could not be read."))
	}
	if len(body) > maxBody {
		return fail(&apiError{status: http.StatusRequestEntityTooLarge, code: "RequestTooLarge", message: "The request body is too large."})
	}

	claims, aerr := e.authenticateVault(r, v)
	if aerr != nil {
		return fail(aerr)
	}
	in.claims = claims

	spec, name, version, rerr := routeVault(r.Method, r.URL)
	if rerr != nil {
		in.op = "UnknownOperation"
		return fail(rerr)
	}
	in.op = spec.name
	if r.URL.Query().Get("api-version") == "" {
		return fail(errBadParameter("The api-version query parameter is required for all requests."))
	}

	now := e.Now()
	latency, limits, ferr := v.injectFault(spec.class, now)
	if ferr == nil {
		if ok, wait := e.regions.take(v, limits, spec.class, now); !ok {
			ferr = errThrottled(wait)
		}
	}
	if latency > 0 {
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
		}
	}
	if ferr != nil {
		return fail(ferr)
	}
	if name != "" && !objectNameRE.MatchString(name) {
		return fail(errBadParameter("The request URI contains an invalid name: %s", name))
	}
	allowed, perr := e.authorize(v, claims, spec, name)
	in.authz = &allowed
	if perr != nil {
		return fail(perr)
	}

	c := &call{e: e, v: v, r: r, claims: claims, name: name, version: version, body: body, now: now}
	res, err := spec.run(c)
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) {
			ae = &apiError{status: http.StatusInternalServerError, code: "InternalError", message: err.Error()}
		}
		return fail(ae)
	}
	if lost := v.loseAnswer(spec.class); lost != nil {
		return fail(lost) // it ran: its answer is what is lost
	}
	in.objectID = res.id
	if res.body == nil {
		return res.status, nil, nil
	}
	out, err := json.Marshal(res.body)
	if err != nil {
		return fail(&apiError{status: http.StatusInternalServerError, code: "InternalError", message: "encoding the response failed"})
	}
	return res.status, out, nil
}

// authenticateVault checks the bearer token. A request without one gets
// Key Vault's challenge: 401 with WWW-Authenticate naming the vault's
// tenant and the resource, which the SDK answers with a token.
func (e *Emulator) authenticateVault(r *http.Request, v *vault) (*tokenClaims, *apiError) {
	v.mu.Lock()
	tenant, suffix := v.tenant, v.dnsSuffix
	v.mu.Unlock()
	resource := "https://" + suffix
	// A client that addresses the vault with a port (out-of-process clients
	// reaching the listener directly) needs the port in the resource too,
	// or the SDK's challenge-resource check rejects it.
	if i := strings.LastIndexByte(r.Host, ':'); i >= 0 && r.Host[i+1:] != "443" {
		resource += r.Host[i:]
	}
	challenge := func(msg string) *apiError {
		h := http.Header{}
		h.Set("WWW-Authenticate", `Bearer authorization="`+vaultDNSSuffixes[suffix]+"/"+tenant+`", resource="`+resource+`"`)
		return &apiError{status: http.StatusUnauthorized, code: "Unauthorized", message: msg, header: h}
	}
	raw, ok := bearerToken(r.Header.Get("Authorization"))
	if !ok {
		return nil, challenge(errTokenMalformed.Error())
	}
	claims, err := e.parseToken(raw, e.Now())
	if err != nil {
		return nil, challenge(err.Error())
	}
	aud, err := url.Parse(strings.TrimSuffix(claims.Audience, "/"))
	if err != nil || !strings.EqualFold(aud.Hostname(), suffix) {
		return nil, challenge("AKV10022: Invalid audience. Expected " + resource + ", found: " + claims.Audience + ".")
	}
	if !strings.EqualFold(claims.TID, tenant) {
		return nil, challenge("AKV10032: Invalid issuer. Expected one of https://sts.windows.net/" + tenant + "/, found " + claims.Issuer + ".")
	}
	return claims, nil
}

// authorize applies the vault's permission model. It returns whether the
// caller was allowed and, if not, the 403 to answer.
func (e *Emulator) authorize(v *vault, c *tokenClaims, spec *opSpec, name string) (bool, *apiError) {
	v.mu.Lock()
	rbac, policies, vname, loc, vid := v.rbac, v.policies, v.name, v.location, v.id()
	v.mu.Unlock()
	if rbac {
		resource := vid
		if name != "" {
			resource += "/" + kindNames[spec.kind].lower + "s/" + name
		}
		if e.rbacAllows(c.OID, resource, spec.action) {
			return true, nil
		}
		return false, errForbidden("ForbiddenByRbac",
			"Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\nCaller: appid=%s;oid=%s;iss=https://sts.windows.net/%s/\r\nAction: '%s'\r\nResource: '%s'\r\nAssignment: (not found)\r\nDenyAssignmentId: null\r\nDecisionReason: null \r\nVault: %s;location=%s\r\n",
			c.AppID, c.OID, c.TID, spec.action, strings.ToLower(resource), vname, loc)
	}
	if policyAllows(policies, c, spec.kind, spec.perm) {
		return true, nil
	}
	return false, errForbidden("AccessDenied",
		"The user, group or application 'appid=%s;oid=%s;iss=https://sts.windows.net/%s/' does not have %ss %s permission on key vault '%s;location=%s'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287",
		c.AppID, c.OID, c.TID, kindNames[spec.kind].lower, strings.ToLower(spec.perm), vname, loc)
}

// route is one pattern of the data-plane route table. Pattern segments are
// literals (matched case-insensitively), "{name}" (non-empty), "{version}"
// (may be empty: "/secrets/x/" means the latest version).
type route struct {
	method  string
	pattern []string
	spec    *opSpec
}

var routes []route

// handle registers a data-plane route; called from init functions of the
// secrets, keys and certificates files.
func handle(method, pattern string, spec *opSpec) {
	routes = append(routes, route{method: method, pattern: strings.Split(pattern, "/"), spec: spec})
}

// routeVault finds the operation for a request path. Literal routes are
// registered before parameter routes so "/secrets/x/versions" is a list,
// not version "versions".
func routeVault(method string, u *url.URL) (*opSpec, string, string, *apiError) {
	// Key Vault tolerates a doubled leading slash ("https://v.vault.azure.net//secrets/x"),
	// which hand-built URLs often have.
	raw := strings.TrimLeft(u.EscapedPath(), "/")
	segs := strings.Split(raw, "/")
	for i, s := range segs {
		dec, err := url.PathUnescape(s)
		if err != nil {
			return nil, "", "", errBadParameter("The request URI is not valid.")
		}
		segs[i] = dec
	}
	if spec, n, ver, ok := matchRoute(method, segs); ok {
		return spec, n, ver, nil
	}
	// A trailing slash after a collection ("/secrets/") lists it.
	if len(segs) > 1 && segs[len(segs)-1] == "" {
		if spec, n, ver, ok := matchRoute(method, segs[:len(segs)-1]); ok && n == "" {
			return spec, n, ver, nil
		}
	}
	return nil, "", "", &apiError{status: http.StatusNotFound, code: "NotFound", message: "The requested operation " + method + " /" + raw + " is not supported."}
}

func matchRoute(method string, segs []string) (*opSpec, string, string, bool) {
	for _, rt := range routes {
		if rt.method != method || len(rt.pattern) != len(segs) {
			continue
		}
		var name, version string
		ok := true
		for i, p := range rt.pattern {
			switch p {
			case "{name}":
				if segs[i] == "" {
					ok = false
				}
				name = segs[i]
			case "{version}":
				version = segs[i]
			default:
				ok = strings.EqualFold(p, segs[i])
			}
			if !ok {
				break
			}
		}
		if ok {
			return rt.spec, name, version, true
		}
	}
	return nil, "", "", false
}
