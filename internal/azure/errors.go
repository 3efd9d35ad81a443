package azure

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// StatusCode is the HTTP status of the Azure response behind err, or 0 when
// there was none (a network error, a cancelled context).
func StatusCode(err error) int {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		return re.StatusCode
	}
	return 0
}

// ErrorCode is Azure's error code behind err ("Forbidden",
// "ForbiddenByRbac", "Conflict", ...), or "".
func ErrorCode(err error) string {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		return re.ErrorCode
	}
	return ""
}

// IsForbidden reports a 403: the identity lacks a permission.
func IsForbidden(err error) bool { return StatusCode(err) == http.StatusForbidden }

// IsNotFound reports a 404.
func IsNotFound(err error) bool { return StatusCode(err) == http.StatusNotFound }

// IsThrottled reports a 429 the SDK's own retries did not absorb.
func IsThrottled(err error) bool { return StatusCode(err) == http.StatusTooManyRequests }

// Definite reports whether err proves the request changed nothing: Azure
// answered with a client error (4xx, 429 included: a throttled request is
// turned away before it runs), except 408, which says a request timed out
// and may have run. A network error, a cancelled context or a 5xx leaves it
// open whether the object was created.
func Definite(err error) bool {
	s := StatusCode(err)
	return s >= 400 && s < 500 && s != http.StatusRequestTimeout
}

// RetryAfter is how long the response behind err asks to wait: the
// headers the SDK honours (retry-after-ms, x-ms-retry-after-ms, then
// Retry-After in seconds or as an HTTP date); 0 when none.
func RetryAfter(err error) time.Duration {
	var re *azcore.ResponseError
	if !errors.As(err, &re) || re.RawResponse == nil {
		return 0
	}
	return RetryAfterHeader(re.RawResponse.Header, time.Now())
}

// RetryAfterHeader reads the retry-after headers of a response.
// Waits longer than maxRetryAfter are read as maxRetryAfter: no caller waits
// that long, and it keeps huge values from overflowing a Duration.
func RetryAfterHeader(h http.Header, now time.Time) time.Duration {
	for _, name := range []string{"retry-after-ms", "x-ms-retry-after-ms"} {
		if v := strings.TrimSpace(h.Get(name)); v != "" {
			if ms, err := strconv.ParseInt(v, 10, 64); err == nil && ms > 0 {
				return min(time.Duration(min(ms, maxRetryAfter.Milliseconds()))*time.Millisecond, maxRetryAfter)
			}
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s <= 0 {
			return 0
		}
		return time.Duration(min(s, int64(maxRetryAfter/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), maxRetryAfter)
	}
	return 0
}

// maxRetryAfter bounds what RetryAfterHeader returns.
const maxRetryAfter = 7 * 24 * time.Hour
