package vaultemu

import (
	"encoding/json"
	"net/http"
)

// reply is a handler's answer, kept whole until the response audit entry
// is written (Vault logs the response before the client sees it).
type reply struct {
	status int
	// data is the logical response's "data" (what the audit entry's
	// response.data holds); nil for none.
	data map[string]any
	// top are extra top-level keys some sys endpoints repeat beside data.
	top map[string]any
	// errs are the messages of an error answer ({"errors":[...]}); nil
	// with a status ≥ 400 means {"errors":[]}.
	errs []string
	// warnings are returned beside data; an error status with warnings
	// and no data still answers with the envelope (data null).
	warnings []string
}

// errorText is the error the audit entries name, "" when none.
func (p reply) errorText() string {
	if len(p.errs) == 0 {
		return ""
	}
	return p.errs[0]
}

func errReply(status int, msg string) reply { return reply{status: status, errs: []string{msg}} }

// notFound is Vault's answer for a missing secret: 404 {"errors":[]}.
func notFound() reply { return reply{status: http.StatusNotFound} }

func noContent() reply { return reply{status: http.StatusNoContent} }

func ok(data map[string]any) reply { return reply{status: http.StatusOK, data: data} }

// deniedText is how Vault words a permission error in its body and the
// response entry (hashicorp/go-multierror's format).
const deniedText = "1 error occurred:\n\t* permission denied\n\n"

// write sends p: the error list, nothing (204), or a logical response
// envelope.
func (p reply) write(w http.ResponseWriter, requestID, mountType string) {
	var body any
	switch {
	case p.status == http.StatusNoContent:
	case p.status >= 400 && p.data == nil && p.warnings == nil:
		errs := p.errs
		if errs == nil {
			errs = []string{}
		}
		body = map[string]any{"errors": errs}
	default:
		env := map[string]any{}
		for k, v := range p.top {
			env[k] = v
		}
		env["request_id"] = requestID
		env["lease_id"] = ""
		env["renewable"] = false
		env["lease_duration"] = 0
		env["data"] = p.data
		env["wrap_info"] = nil
		env["warnings"] = p.warnings
		env["auth"] = nil
		env["mount_type"] = mountType
		body = env
	}
	if body == nil {
		w.WriteHeader(p.status)
		return
	}
	b, err := json.Marshal(body)
	if err != nil {
		b, p.status = []byte(`{"errors":["internal error"]}`), http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.status)
	_, _ = w.Write(append(b, '\n'))
}
