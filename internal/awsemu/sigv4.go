package awsemu

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// sigV4Algorithm is the only signing algorithm the emulator accepts
// (SigV4a's AWS4-ECDSA-P256-SHA256 is refused).
const sigV4Algorithm = "AWS4-HMAC-SHA256"

// authHeader is a parsed SigV4 Authorization header.
type authHeader struct {
	AccessKeyID   string
	Date          string // YYYYMMDD of the credential scope
	Region        string
	Service       string
	SignedHeaders []string // lower case, sorted, as signed
	Signature     string   // 64 lower-case hex digits
}

// scope is the credential scope, "date/region/service/aws4_request".
func (a authHeader) scope() string {
	return a.Date + "/" + a.Region + "/" + a.Service + "/aws4_request"
}

// errIncompleteSignature is why a header that is not a well-formed SigV4
// Authorization is refused (the caller answers IncompleteSignatureException).
var errIncompleteSignature = errors.New("Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters")

// parseAuthorization parses
// "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/secretsmanager/aws4_request, SignedHeaders=host;x-amz-date, Signature=hex".
func parseAuthorization(h string) (authHeader, error) {
	var a authHeader
	alg, rest, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || alg != sigV4Algorithm {
		return a, errors.New("Authorization header must use the " + sigV4Algorithm + " algorithm")
	}
	var cred, signed, sig string
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		var dst *string
		switch k {
		case "Credential":
			dst = &cred
		case "SignedHeaders":
			dst = &signed
		case "Signature":
			dst = &sig
		}
		if !ok || dst == nil || *dst != "" { // unknown or repeated parameters are refused
			return a, errIncompleteSignature
		}
		*dst = v
	}
	if cred == "" || signed == "" || sig == "" {
		return a, errIncompleteSignature
	}
	parts := strings.Split(cred, "/")
	if len(parts) != 5 || parts[0] == "" || parts[4] != "aws4_request" || len(parts[1]) != 8 || !allDigits(parts[1]) || parts[2] == "" || parts[3] == "" {
		return a, errors.New("Credential must have the form ACCESS_KEY/YYYYMMDD/REGION/SERVICE/aws4_request")
	}
	if len(sig) != 64 || strings.Trim(sig, "0123456789abcdef") != "" {
		return a, errors.New("Signature must be 64 lower-case hex digits")
	}
	headers := strings.Split(signed, ";")
	if !sort.StringsAreSorted(headers) {
		return a, errors.New("SignedHeaders must be sorted")
	}
	for _, name := range headers {
		if name == "" || name != strings.ToLower(name) {
			return a, errors.New("SignedHeaders must be lower-case header names")
		}
	}
	if !containsString(headers, "host") {
		return a, errors.New("SignedHeaders must include host")
	}
	a = authHeader{AccessKeyID: parts[0], Date: parts[1], Region: parts[2], Service: parts[3], SignedHeaders: headers, Signature: sig}
	return a, nil
}

// stringToSign builds SigV4's string to sign for r and its body.
func stringToSign(r *http.Request, body []byte, a authHeader, amzDate string) string {
	payload := sha256.Sum256(body)
	canonical := strings.Join([]string{
		r.Method,
		canonicalURI(r.URL),
		canonicalQuery(r.URL),
		canonicalHeaders(r, a.SignedHeaders),
		strings.Join(a.SignedHeaders, ";"),
		hex.EncodeToString(payload[:]),
	}, "\n")
	sum := sha256.Sum256([]byte(canonical))
	return sigV4Algorithm + "\n" + amzDate + "\n" + a.scope() + "\n" + hex.EncodeToString(sum[:])
}

// signature is the hex HMAC-SHA256 of the string to sign under the key
// derived from the secret and the credential scope.
func signature(secret string, a authHeader, toSign string) string {
	k := hmacSHA256([]byte("AWS4"+secret), a.Date)
	k = hmacSHA256(k, a.Region)
	k = hmacSHA256(k, a.Service)
	k = hmacSHA256(k, "aws4_request")
	return hex.EncodeToString(hmacSHA256(k, toSign))
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// canonicalURI is the path, each segment URI-encoded (services other than
// S3 sign the already-escaped path escaped once more).
func canonicalURI(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" {
		return "/"
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = uriEncode(s, false)
	}
	return strings.Join(segs, "/")
}

// canonicalQuery sorts the query by name, then value, each URI-encoded.
func canonicalQuery(u *url.URL) string {
	q := u.Query()
	var pairs []string
	for k, vs := range q {
		for _, v := range vs {
			pairs = append(pairs, uriEncode(k, true)+"="+uriEncode(v, true))
		}
	}
	sort.Strings(pairs)
	return strings.Join(pairs, "&")
}

// canonicalHeaders writes "name:value\n" for each signed header: values
// joined by commas, trimmed, inner runs of spaces collapsed. Go moves Host
// and Content-Length out of r.Header, so they are read from r.
func canonicalHeaders(r *http.Request, names []string) string {
	var b strings.Builder
	for _, name := range names {
		var vals []string
		switch name {
		case "host":
			vals = []string{r.Host}
		case "content-length":
			vals = []string{strconv.FormatInt(r.ContentLength, 10)}
		default:
			vals = r.Header.Values(name)
		}
		for i, v := range vals {
			vals[i] = strings.Join(strings.Fields(v), " ")
		}
		b.WriteString(name + ":" + strings.Join(vals, ",") + "\n")
	}
	return b.String()
}

// uriEncode is SigV4's RFC 3986 encoding: unreserved characters stay,
// everything else is %XX in upper case; '/' stays unless encodeSlash.
func uriEncode(s string, encodeSlash bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == '~':
			b.WriteByte(c)
		case c == '/' && !encodeSlash:
			b.WriteByte(c)
		default:
			b.WriteString("%" + strings.ToUpper(hex.EncodeToString([]byte{c})))
		}
	}
	return b.String()
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
