package lab

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// storageAPIVersion is the storage service version the lab's requests
// name, as a storage client sends one.
const storageAPIVersion = "2025-01-05"

// storageAccount is what a storage connection string holds: the account,
// its key and where its blob service answers.
type storageAccount struct {
	Name, Key, BlobEndpoint string
}

// parseStorageConnection reads a connection string of the portal's shape
// ("DefaultEndpointsProtocol=https;AccountName=…;AccountKey=…;…"); the
// blob endpoint is BlobEndpoint when set, else made from the protocol,
// the account and EndpointSuffix as storage clients make it.
func parseStorageConnection(s string) (storageAccount, error) {
	kv := map[string]string{}
	for _, part := range strings.Split(strings.TrimSpace(s), ";") {
		if k, v, ok := strings.Cut(part, "="); ok {
			kv[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
	}
	a := storageAccount{Name: kv["accountname"], Key: kv["accountkey"], BlobEndpoint: kv["blobendpoint"]}
	if a.Name == "" || a.Key == "" {
		return storageAccount{}, errors.New("the value is not a storage connection string")
	}
	if a.BlobEndpoint == "" {
		a.BlobEndpoint = fmt.Sprintf("%s://%s.blob.%s", cmp.Or(kv["defaultendpointsprotocol"], "https"), a.Name, cmp.Or(kv["endpointsuffix"], "core.windows.net"))
	}
	return a, nil
}

// listContainersRequest is the request a storage client makes first with
// a connection string — list the account's containers — signed with the
// account key the SharedKey way.
func (a storageAccount) listContainersRequest(ctx context.Context) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(a.BlobEndpoint, "/")+"/?comp=list", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-Ms-Date", time.Now().UTC().Format(http.TimeFormat))
	req.Header.Set("X-Ms-Version", storageAPIVersion)
	if err := signSharedKey(req, a.Name, a.Key); err != nil {
		return nil, err
	}
	return req, nil
}

// signSharedKey sets req's Authorization header as Azure Storage's Shared
// Key scheme asks (learn.microsoft.com/rest/api/storageservices/authorize-with-shared-key):
// the HMAC-SHA256, under the decoded key, of the verb, the standard
// headers, the x-ms- headers and the account's canonical resource.
func signSharedKey(req *http.Request, account, key string) error {
	k, err := base64.StdEncoding.DecodeString(key)
	if err != nil {
		return errors.New("the account key is not base64")
	}
	length := req.Header.Get("Content-Length")
	if req.ContentLength > 0 {
		length = fmt.Sprint(req.ContentLength)
	}
	lines := []string{req.Method, req.Header.Get("Content-Encoding"), req.Header.Get("Content-Language"), length,
		req.Header.Get("Content-MD5"), req.Header.Get("Content-Type"), "", // Date: x-ms-date stands for it
		req.Header.Get("If-Modified-Since"), req.Header.Get("If-Match"), req.Header.Get("If-None-Match"),
		req.Header.Get("If-Unmodified-Since"), req.Header.Get("Range")}
	var ms []string
	for name, vs := range req.Header {
		if n := strings.ToLower(name); strings.HasPrefix(n, "x-ms-") {
			ms = append(ms, n+":"+strings.Join(vs, ","))
		}
	}
	slices.Sort(ms)
	s := strings.Join(lines, "\n") + "\n" + strings.Join(ms, "\n") + "\n" + canonicalResource(req.URL, account)
	mac := hmac.New(sha256.New, k)
	mac.Write([]byte(s))
	req.Header.Set("Authorization", "SharedKey "+account+":"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	return nil
}

// canonicalResource is "/ACCOUNT/PATH" then each query parameter, names
// lower case and sorted, one a line as "name:v1,v2".
func canonicalResource(u *url.URL, account string) string {
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	s := "/" + account + path
	q := u.Query()
	names := make([]string, 0, len(q))
	for n := range q {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		vs := slices.Clone(q[n])
		slices.Sort(vs)
		s += "\n" + strings.ToLower(n) + ":" + strings.Join(vs, ",")
	}
	return s
}
