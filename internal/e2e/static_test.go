package e2e

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// /static/ serves the console's files and nothing else: no directory
// listing, under any spelling of the directory's path. (The files are
// embedded in the binary, so one database is enough.)
func TestStaticServesFilesNotListings(t *testing.T) {
	srv := startServer(t, "sqlite:"+filepath.Join(t.TempDir(), "hv.db"))
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, css := get("/static/style.css"); code != 200 || !strings.Contains(css, "body") {
		t.Fatalf("/static/style.css: %d", code)
	}
	for _, path := range []string{"/static/", "/static", "/static/.", "/static//", "/static/./", "/static/index.html"} {
		code, body := get(path)
		if code != http.StatusNotFound || strings.Contains(body, "style.css") {
			t.Errorf("GET %s: %d %q; want 404 without a listing", path, code, body)
		}
	}
}
