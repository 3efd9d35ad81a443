package testenv

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// s3rver answers S3's XML on the URL S3 gives, with the bucket asked for
// made at start (empty) and no other.
func TestS3ServesTheConfiguredBucket(t *testing.T) {
	s3 := S3(t, "trail")
	for _, tc := range []struct{ path, want string }{
		{"/trail", "<Name>trail</Name>"},
		{"/absent", "<Code>NoSuchBucket</Code>"},
	} {
		resp, err := http.Get(s3.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(body), tc.want) {
			t.Errorf("GET %s: %s %s; want %s", tc.path, resp.Status, body, tc.want)
		}
	}
}
