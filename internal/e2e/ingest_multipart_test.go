package e2e

import (
	"bytes"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// A multipart/form-data body on the ingest endpoint is never parsed as a
// form: the server's temp directory stays as it was, while it runs and
// after it stops, and the body limit holds. Before, the CSRF check parsed
// the form of a bearer request, with no size limit yet, writing a file part
// over 32 MB to the temp directory on a copy of the request that net/http
// never cleaned up (40 MB left by the first body here; 300 MB a request in
// the hostile run).
func TestIngestMultipartLeavesNoTempFiles(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		tmp := t.TempDir()
		srv := startServer(t, dsn, "TMPDIR="+tmp, "HONEYVAULT_LOG_LEVEL=warn")
		before := listTree(t, tmp)

		// Read as what it is — not audit records — and refused from its
		// first bytes, however large.
		for _, size := range []int{40 << 20, 1 << 20} {
			body, ctype := multipartBody(t, size)
			code, msg := ingest(t, srv, body, "Content-Type", ctype)
			if code != http.StatusBadRequest || !strings.Contains(msg, "not JSON") {
				t.Errorf("multipart body with a file part of %d bytes: got %d %s; want 400, not JSON", size, code, msg)
			}
		}
		// The endpoint still works, and nothing was written meanwhile.
		if code, msg := ingest(t, srv, record(decoys[0], "multipart-caller", "multipart-corr")); code != http.StatusAccepted {
			t.Fatalf("ingest after the multipart bodies: %d %s", code, msg)
		}
		if after := listTree(t, tmp); after != before {
			t.Errorf("the server's temp directory changed while it ran:\nbefore %q\nafter  %q", before, after)
		}
		srv.Stop()
		if after := listTree(t, tmp); after != before {
			t.Errorf("the server's temp directory changed after it stopped:\nbefore %q\nafter  %q", before, after)
		}
	})
}

// multipartBody is a form with a csrf_token field and one file part of
// size bytes holding audit records, as a hostile client might send.
func multipartBody(t *testing.T, size int) (string, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("csrf_token", "x")
	fw, err := mw.CreateFormFile("records", "records.json")
	if err != nil {
		t.Fatal(err)
	}
	line := record(decoys[1], "multipart-attacker", "multipart-file") + "\n"
	io.Copy(fw, io.LimitReader(strings.NewReader(strings.Repeat(line, size/len(line)+1)), int64(size)))
	mw.Close()
	return b.String(), mw.FormDataContentType()
}

// listTree lists every file under dir with its size, one a line.
func listTree(t *testing.T, dir string) string {
	t.Helper()
	var out strings.Builder
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		out.WriteString(rel + " " + info.Mode().String())
		if !d.IsDir() {
			out.WriteString(" " + strconv.FormatInt(info.Size(), 10))
		}
		out.WriteString("\n")
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return out.String()
}
