package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/auth"
)

// The console's HTML lives in templates/ and its one stylesheet in static/,
// both embedded. See the package documentation for how to add a page.
var (
	//go:embed templates/*.html
	templateFiles embed.FS
	//go:embed static
	staticFiles embed.FS
)

// navLink is an entry of the console's navigation, shown to principals with
// Perm. Add one when you add a top-level page.
type navLink struct {
	Path  string
	Label string
	Perm  auth.Permission
}

var nav = []navLink{
	{"/", "Home", auth.UseConsole},
	{"/vaults", "Vaults", auth.ReadDecoys},
	{"/incidents", "Incidents", auth.ReadIncidents},
	{"/honeytokens", "Decoys", auth.ReadDecoys},
	{"/cluster", "Cluster", auth.ReadMetrics},
	{"/settings", "Settings", auth.ManageSettings},
	{"/tokens", "API tokens", auth.ManageAccess},
	{"/audit", "Audit trail", auth.ReadAudit},
}

// sectionOf maps pages without a link of their own to the link of their
// section: a deploy or retire run is reached from Vaults.
var sectionOf = map[string]string{"/deploys": "/vaults", "/retires": "/vaults"}

// navSection is the path of the navigation link whose section reqPath is
// in: the link itself or a page under it (/settings/sources is in
// Settings, /incidents/7 in Incidents); "" for none. Home holds only "/".
func navSection(reqPath string) string {
	for _, l := range nav {
		if reqPath == l.Path || l.Path != "/" && strings.HasPrefix(reqPath, l.Path+"/") {
			return l.Path
		}
	}
	for prefix, section := range sectionOf {
		if reqPath == prefix || strings.HasPrefix(reqPath, prefix+"/") {
			return section
		}
	}
	return ""
}

// page is what every template gets: the per-request frame the layout needs
// and the handler's Data.
type page struct {
	Title string
	User  *auth.Principal // nil when nobody is signed in
	CSRF  string          // put in every form: {{template "csrf" .}}
	Nav   []navLink       // the links User may follow
	Path  string          // the request path: its link is marked the current page
	// Section is the path of the link whose section Path is in, marked
	// as current while on a page under it.
	Section string
	Data    any
}

// funcs are the helpers every template may call.
var funcs = template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"join": strings.Join,
	// statusText names an HTTP status: Key Vault's resultType says Success
	// for a refused request, so a result reads "403 Forbidden" from this.
	"statusText": http.StatusText,
	// iso and exact are a time for machines (datetime=) and for people
	// (title=, the exact UTC value on hover); see the "utc" partial.
	"iso":   func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"exact": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
}

// views holds one parsed template set per page: the layout, the partials
// and the page itself, so that pages may define the same blocks.
type views map[string]*template.Template

// loadViews parses every page under templates/. layout.html and files
// starting with "_" are shared by all pages; every other file is a page,
// named by its file name without .html.
func loadViews() (views, error) {
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	shared := []string{"templates/layout.html"}
	for _, n := range names {
		if strings.HasPrefix(path.Base(n), "_") {
			shared = append(shared, n)
		}
	}
	v := make(views)
	for _, n := range names {
		base := path.Base(n)
		if base == "layout.html" || strings.HasPrefix(base, "_") {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(templateFiles, append(shared, n)...)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", base, err)
		}
		v[strings.TrimSuffix(base, ".html")] = t
	}
	return v, nil
}

// render writes page name with status code. The page is executed into a
// buffer first so that a template error becomes a clean 500, never half a
// page.
func (h *handler) render(w http.ResponseWriter, r *http.Request, code int, name, title string, data any) {
	t, ok := h.views[name]
	if !ok {
		h.log.Error("web: no such page template", "page", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	p := page{Title: title, Path: r.URL.Path, Section: navSection(r.URL.Path), Data: data}
	if id, ok := identityFrom(r.Context()); ok {
		p.User = &id.Principal
		p.CSRF = id.CSRFToken()
		for _, l := range nav {
			if id.Allows(l.Perm) {
				p.Nav = append(p.Nav, l)
			}
		}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		h.log.Error("web: rendering page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

// pageError answers a console request with an error page.
func (h *handler) pageError(w http.ResponseWriter, r *http.Request, code int, msg string) {
	h.render(w, r, code, "error", http.StatusText(code), msg)
}

// staticHandler serves static/ at /static/. The files change only with the
// binary, so browsers may keep them for an hour. Directories are not found:
// http.FileServer would list them.
func staticHandler() http.Handler {
	sub, _ := fs.Sub(staticFiles, "static")
	files := http.StripPrefix("/static/", http.FileServerFS(filesOnly{sub}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}

// filesOnly is an fs.FS in which directories do not exist, so that a file
// server built on it answers 404 where it would list a directory.
type filesOnly struct{ fs.FS }

func (f filesOnly) Open(name string) (fs.File, error) {
	file, err := f.FS.Open(name)
	if err != nil {
		return nil, err
	}
	if st, err := file.Stat(); err != nil || st.IsDir() {
		file.Close()
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return file, nil
}
