package storage

import "regexp"

// sasSignature matches the signature of a SAS query, which transport errors
// quote with the request URL.
var sasSignature = regexp.MustCompile(`(?i)(sig=)[^&"'\s]+`)

// redacted is an error whose message no longer holds a SAS signature; it
// still unwraps to the original for errors.Is.
type redacted struct {
	msg string
	err error
}

func (r redacted) Error() string { return r.msg }
func (r redacted) Unwrap() error { return r.err }

// redact hides SAS signatures in err's message: errors end up in logs and
// on the console.
func redact(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := sasSignature.ReplaceAllString(msg, "${1}REDACTED")
	if clean == msg {
		return err
	}
	return redacted{msg: clean, err: err}
}
