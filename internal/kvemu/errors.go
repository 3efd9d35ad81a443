package kvemu

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// apiError is an error answered the way Key Vault and ARM answer errors:
// a status and {"error":{"code","message","innererror":{"code"}}}.
type apiError struct {
	status  int
	code    string
	message string
	inner   string      // innererror.code; empty for none
	header  http.Header // extra response headers (WWW-Authenticate, Retry-After)
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.code, e.message) }

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code       string       `json:"code"`
	Message    string       `json:"message"`
	InnerError *innerDetail `json:"innererror,omitempty"`
}

type innerDetail struct {
	Code string `json:"code"`
}

func (e *apiError) body() []byte {
	b := errorBody{Error: errorDetail{Code: e.code, Message: e.message}}
	if e.inner != "" {
		b.Error.InnerError = &innerDetail{Code: e.inner}
	}
	out, _ := json.Marshal(b)
	return out
}

func errBadParameter(format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "BadParameter", message: fmt.Sprintf(format, args...)}
}

// kindNames spells an object kind in error messages and codes.
var kindNames = map[objectKind]struct{ lower, title string }{
	kindSecret:      {"secret", "Secret"},
	kindKey:         {"key", "Key"},
	kindCertificate: {"certificate", "Certificate"},
}

// errNotFound is Key Vault's 404 for a missing object (or version).
func errNotFound(kind objectKind, nameOrID string) *apiError {
	k := kindNames[kind]
	return &apiError{
		status: http.StatusNotFound, code: k.title + "NotFound",
		message: fmt.Sprintf("A %s with (name/id) %s was not found in this key vault. If you recently deleted this %s you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182", k.lower, nameOrID, k.lower),
	}
}

// errDeletedNotFound is the 404 for a name with no soft-deleted object.
func errDeletedNotFound(kind objectKind, name string) *apiError {
	k := kindNames[kind]
	return &apiError{status: http.StatusNotFound, code: k.title + "NotFound", message: fmt.Sprintf("Deleted %s not found: %s", k.title, name)}
}

// errDeletedConflict is the 409 for reusing a deleted-but-not-purged name.
func errDeletedConflict(kind objectKind, name string) *apiError {
	k := kindNames[kind]
	return &apiError{
		status: http.StatusConflict, code: "Conflict", inner: "ObjectIsDeletedButRecoverable",
		message: fmt.Sprintf("%s %s is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the %s can only be recovered or purged.", k.title, name, k.lower),
	}
}

// errBeingDeleted is the 409 for recovering or purging into a live name.
func errConflict(format string, args ...any) *apiError {
	return &apiError{status: http.StatusConflict, code: "Conflict", message: fmt.Sprintf(format, args...)}
}

func errForbidden(inner, format string, args ...any) *apiError {
	return &apiError{status: http.StatusForbidden, code: "Forbidden", inner: inner, message: fmt.Sprintf(format, args...)}
}
