package awsemu

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// apiError is an error answered the way AWS JSON 1.1 services answer:
// HTTP 400 (500 for the service's own faults), header X-Amzn-ErrorType and
// body {"__type":"Code","message":"..."}.
type apiError struct {
	status  int
	code    string
	message string
	// trailCode is the record's errorCode when it differs from code:
	// CloudTrail logs a denied call as "AccessDenied".
	trailCode string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func (e *apiError) body() []byte {
	b, _ := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{e.code, e.message})
	return b
}

func writeError(w http.ResponseWriter, err *apiError) {
	w.Header().Set("X-Amzn-ErrorType", err.code)
	writeJSON(w, err.status, err.body())
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func newError(code, format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: code, message: fmt.Sprintf(format, args...)}
}

// Secrets Manager's messages, as clients print them.
const (
	msgNotFound      = "Secrets Manager can't find the specified secret."
	msgMarkedDeleted = "You can't perform this operation on the secret because it was marked for deletion."
)

func errNotFound() *apiError { return newError("ResourceNotFoundException", msgNotFound) }

func errDeleted() *apiError { return newError("InvalidRequestException", msgMarkedDeleted) }

func errInvalidParameter(format string, args ...any) *apiError {
	return newError("InvalidParameterException", format, args...)
}

// errValidation is the framework's constraint error, in its one-error form.
func errValidation(value, member, constraint string) *apiError {
	return newError("ValidationException", "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, member, constraint)
}

// errAccessDenied spells IAM's refusal. resource is the SecretId as the
// caller sent it; empty for actions on no secret.
func errAccessDenied(principalARN, action, resource string, explicit bool) *apiError {
	on := ""
	if resource != "" {
		on = " on resource: " + resource
	}
	why := "because no identity-based policy allows the " + action + " action"
	if explicit {
		why = "with an explicit deny in an identity-based policy"
	}
	e := newError("AccessDeniedException", "User: %s is not authorized to perform: %s%s %s", principalARN, action, on, why)
	e.trailCode = "AccessDenied"
	return e
}
