package httpcanary

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"

	"github.com/honeyvault/honeyvault/internal/canary"
	"github.com/honeyvault/honeyvault/internal/canary/canarytest"
	"github.com/honeyvault/honeyvault/internal/plant"
)

// A planted storage connection string used by the real storage client:
// the listener names the decoy from the account the client signs as, and
// the client reports what Azure Storage says of a wrong key — 403
// AuthenticationFailed — after one request, which is one hit.
func TestStorageClientUseIsOneHit(t *testing.T) {
	sink := &canarytest.Sink{}
	base := start(t, Config{}, sink)
	tok := plant.NewCanaryToken()
	value, err := plant.ValueSpec{Kind: plant.KindStorageConnection}.CanaryValue(nil, canary.KindHTTP, tok, plant.CanaryTargets{HTTPURL: base})
	if err != nil {
		t.Fatal(err)
	}
	c, err := azblob.NewClientFromConnectionString(value, &azblob.ClientOptions{ClientOptions: azcore.ClientOptions{
		Transport: clientFrom("127.0.0.1"),
	}})
	if err != nil {
		t.Fatalf("the storage client refuses the planted value: %v", err)
	}
	_, err = c.NewListContainersPager(nil).NextPage(context.Background())
	var re *azcore.ResponseError
	if !errors.As(err, &re) || re.StatusCode != http.StatusForbidden || !bloberror.HasCode(err, bloberror.AuthenticationFailed) {
		t.Fatalf("listing containers: %v; want Azure Storage's 403 AuthenticationFailed", err)
	}
	hits := sink.Hits()
	if len(hits) != 1 {
		t.Fatalf("%d hits; want 1 (the client must not retry a 403)", len(hits))
	}
	if h := hits[0]; h.Token != tok || h.Detail["auth_scheme"] != "SharedKey" || !strings.HasPrefix(h.Detail["user_agent"], "azsdk-go-azblob") {
		t.Errorf("hit token %q, detail %v; want the account %q, SharedKey, the storage client", h.Token, h.Detail, tok)
	}
}

// The account is found whichever way the request names it, and the answer
// is the same — but for its request id and time — whether the account is
// a decoy's or not: it tells a caller nothing of any decoy.
func TestStorageRequestsAnswerAlike(t *testing.T) {
	sink := &canarytest.Sink{}
	base := start(t, Config{ServerName: "nginx"}, sink)
	c := clientFrom("127.0.0.1")
	tok := canary.NewToken()
	sig := base64.StdEncoding.EncodeToString(make([]byte, 32))
	signed := func(account, host, path string) *http.Request {
		req := newRequest(t, "GET", base+path, nil)
		if host != "" {
			req.Host = host
		}
		req.Header.Set("Authorization", "SharedKey "+account+":"+sig)
		req.Header.Set("X-Ms-Version", "2025-01-05")
		return req
	}
	scenarios := []struct {
		name      string
		req       *http.Request
		wantToken string
	}{
		{"path-style", signed(tok, "", "/"+tok+"/backups?restype=container&comp=list"), tok},
		{"host-style", signed(tok, tok+".blob.core.windows.net", "/backups?restype=container&comp=list"), tok},
		{"another account", signed("stordersprod042", "", "/stordersprod042/backups?restype=container&comp=list"), ""},
		{"version header only", func() *http.Request {
			r := newRequest(t, "GET", base+"/"+tok+"?comp=list", nil)
			r.Header.Set("X-Ms-Version", "2025-01-05")
			return r
		}(), tok},
	}
	stable := regexp.MustCompile(`RequestId:[0-9a-f-]{36}\nTime:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z`)
	var first string
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			sink.Reset()
			resp, err := c.Do(sc.req)
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			got := answer{status: resp.StatusCode, body: string(b)}
			if got.status != http.StatusForbidden || !strings.Contains(got.body, "<Code>AuthenticationFailed</Code>") || !stable.MatchString(got.body) {
				t.Fatalf("answer %d %q; want Azure Storage's 403 AuthenticationFailed", got.status, got.body)
			}
			if h := resp.Header; h.Get("X-Ms-Error-Code") != "AuthenticationFailed" || h.Get("Content-Type") != "application/xml" || h.Get("Server") != "Microsoft-HTTPAPI/2.0" {
				t.Errorf("headers %v; want those of Azure Storage", h)
			}
			body := stable.ReplaceAllString(got.body, "")
			if first == "" {
				first = body
			} else if body != first {
				t.Errorf("answer %q differs from the first %q", body, first)
			}
			hits := sink.Hits()
			if len(hits) != 1 || hits[0].Token != sc.wantToken {
				t.Fatalf("hits %+v; want one with token %q", hits, sc.wantToken)
			}
		})
	}
}
