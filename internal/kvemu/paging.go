package kvemu

import (
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
)

// listPage is a page of a Key Vault list: {value, nextLink}.
type listPage[T any] struct {
	Value    []T     `json:"value"`
	NextLink *string `json:"nextLink"`
}

// pageOf cuts one page from items, which are sorted by key. The page size
// is the request's maxresults (1-25) or the emulator's default; the
// position is the request's $skiptoken, an opaque marker of the last key
// already returned, so pages stay consistent while objects are added.
// nextLink is absolute and carries ":443", as Key Vault's does.
func pageOf[T any](c *call, items []T, key func(T) string) (listPage[T], error) {
	q := c.r.URL.Query()
	size := c.e.opts.PageSize
	if s := q.Get("maxresults"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 25 {
			return listPage[T]{}, errBadParameter("invalid maxresults value %q: it must be between 1 and 25", s)
		}
		size = n
	}
	start := 0
	if tok := q.Get("$skiptoken"); tok != "" {
		marker, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil {
			return listPage[T]{}, errBadParameter("The $skiptoken is not valid.")
		}
		for start < len(items) && key(items[start]) <= string(marker) {
			start++
		}
	}
	end := min(start+size, len(items))
	p := listPage[T]{Value: items[start:end]}
	if p.Value == nil {
		p.Value = []T{}
	}
	if end < len(items) {
		next := url.Values{}
		next.Set("api-version", q.Get("api-version"))
		next.Set("$skiptoken", base64.RawURLEncoding.EncodeToString([]byte(key(items[end-1]))))
		next.Set("maxresults", strconv.Itoa(size))
		link := "https://" + c.v.host() + ":443" + c.r.URL.EscapedPath() + "?" + strings.ReplaceAll(next.Encode(), "%24", "$")
		p.NextLink = &link
	}
	return p, nil
}
