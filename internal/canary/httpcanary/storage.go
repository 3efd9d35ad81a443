package httpcanary

import (
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// A storage connection string planted as a canary (plant's
// storage-connection-string shape) names the listener as its blob
// endpoint and the token as its account name. A storage client signs each
// request with the account key ("Authorization: SharedKey ACCOUNT:SIG")
// and sends it path-style (/ACCOUNT/container) or host-style
// (ACCOUNT.blob.…): tokenOf finds the account in the header, the path or
// the host. The listener checks no signature — it does not know the key
// — and answers every such request as Azure Storage answers a bad key.

// storageRequest reports whether r is a request to Azure Storage's REST
// API: signed with a shared key, or naming the service version storage
// clients always send.
func storageRequest(r *http.Request) bool {
	scheme, _, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	return scheme == "SharedKey" || scheme == "SharedKeyLite" || r.Header.Get("X-Ms-Version") != ""
}

// storageAuthFailed is Azure Storage's error body for a request whose
// signature does not verify, with its byte-order mark; %s are the request
// id and the time. The AuthenticationErrorDetail Azure adds quotes the
// request's signature and string to sign: it is left out, so that nothing
// of the request is reflected.
const storageAuthFailed = "\ufeff<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>AuthenticationFailed</Code>" +
	"<Message>Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.\n" +
	"RequestId:%s\nTime:%s</Message></Error>"

// answerStorage writes Azure Storage's 403 AuthenticationFailed, headers
// as the service sends them: what a storage client reports as a wrong key.
func answerStorage(w http.ResponseWriter) {
	id := requestID()
	h := w.Header()
	h.Set("Content-Type", "application/xml")
	h.Set("Server", "Microsoft-HTTPAPI/2.0")
	h.Set("X-Ms-Request-Id", id)
	h.Set("X-Ms-Error-Code", "AuthenticationFailed")
	w.WriteHeader(http.StatusForbidden)
	io.WriteString(w, fmt.Sprintf(storageAuthFailed, id, time.Now().UTC().Format("2006-01-02T15:04:05.0000000Z")))
}

// requestID is a fresh request id in the form Azure Storage gives one
// (a GUID).
func requestID() string {
	b := make([]byte, 16)
	rand.Read(b) // never fails (crypto/rand)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
