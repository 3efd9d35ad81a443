package awsemu

import (
	"crypto/hmac"
	"net/http"
)

// authenticate verifies the request's SigV4 signature and finds the
// caller's key and region. Errors are AWS's: a missing or malformed
// header, an unknown key, a wrong signature, a region not served.
func (c *call) authenticate() *apiError {
	h := c.r.Header.Get("Authorization")
	if h == "" {
		return &apiError{status: http.StatusBadRequest, code: "MissingAuthenticationTokenException", message: "Missing Authentication Token"}
	}
	a, err := parseAuthorization(h)
	if err != nil {
		return newError("IncompleteSignatureException", "%s", err.Error())
	}
	c.keyID = a.AccessKeyID
	if _, served := c.e.regions[a.Region]; served {
		c.region = a.Region // the record is filed under it even if the call fails
	}
	if a.Service != "secretsmanager" {
		return newError("InvalidSignatureException", "Credential should be scoped to correct service: 'secretsmanager'. ")
	}
	if c.region == "" {
		return newError("InvalidSignatureException", "Credential should be scoped to a valid region. ")
	}
	amzDate := c.r.Header.Get("X-Amz-Date")
	if len(amzDate) != 16 || amzDate[:8] != a.Date || !containsString(a.SignedHeaders, "x-amz-date") {
		return newError("IncompleteSignatureException", "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%.8s', from 'X-Amz-Date'.", a.Date, amzDate)
	}
	k := c.e.lookupKey(a.AccessKeyID)
	if k == nil {
		return newError("UnrecognizedClientException", "The security token included in the request is invalid.")
	}
	if k.sessionToken != "" && !hmac.Equal([]byte(c.r.Header.Get("X-Amz-Security-Token")), []byte(k.sessionToken)) {
		return newError("UnrecognizedClientException", "The security token included in the request is invalid.")
	}
	want := signature(k.secret, a, stringToSign(c.r, c.body, a, amzDate))
	if !hmac.Equal([]byte(want), []byte(a.Signature)) {
		return newError("InvalidSignatureException", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	}
	c.key = k
	c.store = c.e.regions[c.region]
	return nil
}
