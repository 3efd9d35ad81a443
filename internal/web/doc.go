// Package web serves honeyvault's HTTP interface: health and metrics, the
// REST API under /api/ and the console. Routes use the standard library's
// method patterns (server.go lists them all); each handler lives in its own
// file named after its route.
//
// # Access
//
// Wrap every route that needs a caller in h.require(permission, handler).
// require accepts a bearer token or a console session cookie and then:
//
//   - without valid credentials, answers /api/ routes with 401 JSON and
//     redirects console pages to /login?next=...;
//   - without the permission, answers 403 (JSON or an error page);
//   - for POST, PUT, PATCH and DELETE by a session, demands the CSRF token
//     (header X-CSRF-Token, or on a console page the csrf_token field of a
//     URL-encoded form) and answers 403 without. A bearer request needs
//     none, and its body is never read as a form; no request body is ever
//     parsed as a multipart form (net/http spills those to disk);
//   - rate-limits auth.WriteRecords (ingest) per principal.
//
// /metrics (metrics.go) is open, but only for what is on Options.Registry;
// the metrics on Options.Protected — anything that changes when a decoy is
// touched — go only to a principal allowed auth.ReadMetrics.
//
// Handlers get the caller with principalFrom(r.Context()). A listing of
// decoys must be narrowed with principal.DecoyScope() (a store filter), and a
// single vault or decoy checked with principal.CanSeeVault(vaultID); answer
// 404 for what the principal may not see, so that nothing about it leaks.
//
// Record what people change with h.audit(r, "noun.verb", target, detail):
// plantings, retirements, incident changes, setting changes. It fills in the
// actor and the client address; see store.AuditEntry for the actions in use.
//
// # Adding a console page
//
//  1. Write templates/NAME.html defining the block {{define "content"}} ... {{end}}.
//     The layout (templates/layout.html) wraps it with the header,
//     navigation and sign-out button. Every form that changes something
//     must contain {{template "csrf" .}}. The handler's data is .Data; the
//     signed-in principal is .User. No inline <script>, no style attributes
//     and no <style>: the Content-Security-Policy forbids them. Add classes
//     to static/style.css instead. A page that wants static/console.js
//     (times in the viewer's zone, the incident list's live refresh) ends
//     its content with <script src="/static/console.js" defer></script>;
//     it must work without it.
//
//  2. Write NAME_page.go (or noun_verb.go) with a handler that loads what it
//     shows and calls h.render(w, r, http.StatusOK, "NAME", "Title", data).
//     Errors: h.pageError(w, r, code, message); h.serverError logs and
//     answers 500 as a page (or JSON under /api/).
//
//  3. Register it in server.go: mux.Handle("GET /NAME", h.require(perm, h.namePage)).
//
//  4. For a top-level page, add a navLink to nav in views.go.
//
//  5. Render it in TestEveryPageRendersWithinTheCSP (headers_test.go), which
//     fails for a page template it does not cover.
//
// Partials shared by several pages go in templates/_NAME.html; the layout
// already defines "csrf" and "messages" (shows .Data.Error and .Data.Notice).
// Templates are parsed once, by New, which panics on a template that does
// not parse (they are embedded: that is a bug in the binary); the tests
// render every page and check it has no inline script or style.
package web
