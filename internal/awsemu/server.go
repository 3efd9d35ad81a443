package awsemu

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
)

// maxRequestBody bounds a request: a secret value is at most 65,536 bytes,
// so a larger request is an error, not a reason to buffer without end.
const maxRequestBody = 1 << 20

// operation is one Secrets Manager API action.
type operation struct {
	readOnly bool
	// run executes the call and returns the response body (nil: empty).
	run func(c *call) (any, *apiError)
}

// operations are the emulated actions by name.
var operations = map[string]operation{
	"CreateSecret":         {false, (*call).createSecret},
	"GetSecretValue":       {true, (*call).getSecretValue},
	"BatchGetSecretValue":  {true, (*call).batchGetSecretValue},
	"DescribeSecret":       {true, (*call).describeSecret},
	"ListSecrets":          {true, (*call).listSecrets},
	"ListSecretVersionIds": {true, (*call).listSecretVersionIDs},
	"PutSecretValue":       {false, (*call).putSecretValue},
	"UpdateSecret":         {false, (*call).updateSecret},
	"DeleteSecret":         {false, (*call).deleteSecret},
	"RestoreSecret":        {false, (*call).restoreSecret},
	"TagResource":          {false, (*call).tagResource},
	"UntagResource":        {false, (*call).untagResource},
}

// call is one API request on its way through authentication, the
// operation and CloudTrail.
type call struct {
	e         *Emulator
	r         *http.Request
	op        string
	body      []byte
	key       *accessKey // nil until authenticated
	keyID     string     // the access key id as sent
	region    string
	store     *regionStore
	requestID string
	now       time.Time
	// extra are records the call makes beyond its own (BatchGetSecretValue's
	// one GetSecretValue record per secret).
	extra []*trailRecord
}

// ServeHTTP answers Secrets Manager's JSON 1.1 protocol: POST / with
// X-Amz-Target "secretsmanager.{Operation}".
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := &call{e: e, r: r, requestID: newUUID(), now: e.Now()}
	w.Header().Set("X-Amzn-RequestId", c.requestID)
	target := r.Header.Get("X-Amz-Target")
	op, ok := strings.CutPrefix(target, "secretsmanager.")
	spec, known := operations[op]
	switch {
	case r.Method != http.MethodPost || r.URL.Path != "/":
		writeError(w, &apiError{status: http.StatusNotFound, code: "UnknownOperationException", message: "awsemu serves only POST /"})
		return
	case !ok || !known:
		writeError(w, newError("UnknownOperationException", "The operation %q is not supported.", target))
		return
	}
	c.op = op
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	if err != nil {
		writeError(w, newError("SerializationException", "could not read the request body"))
		return
	}
	if len(body) > maxRequestBody {
		writeError(w, &apiError{status: http.StatusRequestEntityTooLarge, code: "RequestEntityTooLargeException", message: "Request body too large."})
		return
	}
	c.body = body
	resp, aerr := c.serve(spec)
	// Recorded before the answer leaves: a caller that has its answer
	// and then calls Flush must find the record on its way.
	c.record(spec, resp, aerr)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	out := []byte("{}")
	if resp != nil {
		out, _ = json.Marshal(resp)
	}
	writeJSON(w, http.StatusOK, out)
}

// serve authenticates, decodes and runs the call.
func (c *call) serve(spec operation) (any, *apiError) {
	if aerr := c.authenticate(); aerr != nil {
		return nil, aerr
	}
	if ct := c.r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-amz-json-1.1") {
		return nil, newError("SerializationException", "Content-Type must be application/x-amz-json-1.1, not %q", ct)
	}
	return spec.run(c)
}

// decode reads the request body into v, refusing anything but one JSON
// object whose members have the types the API defines.
func (c *call) decode(v any) *apiError {
	body := bytes.TrimSpace(c.body)
	if len(body) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return newError("SerializationException", "%s must be %s, not %s", te.Field, te.Type, te.Value)
		}
		return newError("SerializationException", "the request body is not a JSON object: %v", err)
	}
	if dec.More() {
		return newError("SerializationException", "the request body holds more than one JSON value")
	}
	return nil
}

// arnPrefix is the ARN of the call's region and account up to the name:
// "arn:aws:secretsmanager:{region}:{account}:secret:".
func (c *call) arnPrefix() string {
	return "arn:aws:secretsmanager:" + c.region + ":" + c.e.opts.AccountID + ":secret:"
}

// authorize checks the caller's policy for action on the secret the
// caller named as secretID (resolved to its ARN when it exists).
func (c *call) authorize(action, secretID string, sec *secret) *apiError {
	resource, shown := "*", ""
	if secretID != "" {
		shown = secretID
		switch {
		case sec != nil:
			resource = sec.arn
		case strings.HasPrefix(secretID, "arn:"):
			resource = secretID
		default:
			resource = c.arnPrefix() + secretID
		}
	}
	switch c.e.policyFor(c.key).decide("secretsmanager:"+action, resource) {
	case allowed:
		return nil
	case explicitDeny:
		return errAccessDenied(c.e.principalARN(c.key), "secretsmanager:"+action, shown, true)
	}
	return errAccessDenied(c.e.principalARN(c.key), "secretsmanager:"+action, shown, false)
}

// lookupLocked resolves a SecretId in the call's region (forgetting
// secrets whose recovery window has ended) under the store lock the
// caller holds.
func (c *call) lookupLocked(id string) *secret {
	c.store.purgeLocked(c.now)
	return c.store.resolveLocked(c.arnPrefix(), id)
}
