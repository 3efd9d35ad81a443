package e2e

import (
	"net/http"
	"strings"
	"testing"
)

// The ingest endpoint reads records by content, whatever the Content-Type
// says: curl --data-binary sends application/x-www-form-urlencoded, which
// before made the CSRF check parse (and so consume) the body as a form,
// and the records were refused as "body is not JSON".
func TestIngestAcceptsJSONWhateverTheContentType(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		srv := startServer(t, dsn, "HONEYVAULT_LOG_LEVEL=warn")
		types := []string{"application/x-www-form-urlencoded", "application/json", "text/plain", "application/x-ndjson", ""}
		for i, ctype := range types {
			t.Run("content type "+ctype, func(t *testing.T) {
				var body strings.Builder
				for j := range 3 {
					body.WriteString(record("ordinary-secret", "ct-caller", "ct-"+string(rune('a'+i))+string(rune('a'+j))) + "\n")
				}
				code, msg := ingest(t, srv, body.String(), "Content-Type", ctype)
				if code != http.StatusAccepted || !strings.Contains(msg, `"accepted":3`) {
					t.Errorf("got %d %s; want 202 with 3 accepted", code, msg)
				}
			})
		}
		var st struct{ Events int64 }
		apiGet(t, srv, "/api/v1/ingest/status", &st)
		if want := int64(3 * len(types)); st.Events != want {
			t.Errorf("%d events stored; want %d", st.Events, want)
		}
	})
}
