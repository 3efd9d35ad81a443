package kvemu

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// armPageMax is how many items an ARM list returns without $top; ARM's
// own page size for these lists is 1,000.
const armPageMax = 1000

// armPage is an ARM list page: {value, nextLink}.
type armPage[T any] struct {
	Value    []T     `json:"value"`
	NextLink *string `json:"nextLink,omitempty"`
}

// pageARM cuts one page from items (sorted by key) using $top and
// $skiptoken, and links the next page with every other query parameter
// kept, as ARM does.
func pageARM[T any](a *armRequest, items []T, key func(T) string) (armPage[T], *apiError) {
	q := a.r.URL.Query()
	size := armPageMax
	if top := q.Get("$top"); top != "" {
		n, err := strconv.Atoi(top)
		if err != nil || n < 1 {
			return armPage[T]{}, &apiError{status: 400, code: "InvalidTopValue", message: "$top must be a positive number."}
		}
		size = min(n, armPageMax)
	}
	start := 0
	if tok := q.Get("$skiptoken"); tok != "" {
		marker, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil {
			return armPage[T]{}, &apiError{status: 400, code: "InvalidSkipToken", message: "The $skiptoken is not valid."}
		}
		for start < len(items) && key(items[start]) <= string(marker) {
			start++
		}
	}
	end := min(start+size, len(items))
	p := armPage[T]{Value: items[start:end]}
	if p.Value == nil {
		p.Value = []T{}
	}
	if end < len(items) {
		q.Set("$skiptoken", base64.RawURLEncoding.EncodeToString([]byte(key(items[end-1]))))
		link := "https://" + strings.ToLower(a.r.Host) + a.r.URL.EscapedPath() + "?" + q.Encode()
		p.NextLink = &link
	}
	return p, nil
}
