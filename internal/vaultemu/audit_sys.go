package vaultemu

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// AuditOptions are the options every audit device type takes, for the Go
// helpers (the HTTP API takes the same as strings).
type AuditOptions struct {
	Prefix             string // written before each entry's JSON
	LogRaw             bool   // no HMAC at all (log_raw=true)
	ClearAccessor      bool   // accessors in clear (hmac_accessor=false)
	ElideListResponses bool   // list answers' keys replaced by their count
}

func (o AuditOptions) strings() map[string]string {
	m := map[string]string{}
	if o.Prefix != "" {
		m["prefix"] = o.Prefix
	}
	if o.LogRaw {
		m["log_raw"] = "true"
	}
	if o.ClearAccessor {
		m["hmac_accessor"] = "false"
	}
	if o.ElideListResponses {
		m["elide_list_responses"] = "true"
	}
	return m
}

// EnableFileAudit enables a file device at name that appends to path
// ("stdout" and "discard" as in Vault).
func (s *Server) EnableFileAudit(name, path string, o AuditOptions) error {
	opts := o.strings()
	opts["file_path"] = path
	return s.EnableAudit(name, "file", opts)
}

// EnableSocketAudit enables a socket device at name that streams to
// address over network (tcp, udp or unix).
func (s *Server) EnableSocketAudit(name, network, address string, o AuditOptions) error {
	opts := o.strings()
	opts["address"], opts["socket_type"] = address, network
	return s.EnableAudit(name, "socket", opts)
}

var auditNameRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$`)

// EnableAudit enables a device as PUT sys/audit/{name} does, with Vault's
// option strings; the device's first line is the test probe. An error
// enables nothing.
func (s *Server) EnableAudit(name, typ string, options map[string]string) error {
	name = strings.TrimSuffix(name, "/")
	if !auditNameRE.MatchString(name) {
		return fmt.Errorf("vaultemu: invalid audit device path %q", name)
	}
	d, err := newAuditDevice(name, typ, "", maps.Clone(options))
	if err != nil {
		return fmt.Errorf("vaultemu: %w", err)
	}
	return s.addDevice(d)
}

// addDevice writes the probe, then enables the device. The probe is
// written outside the broker's lock: a socket may take its write timeout
// to fail, and requests must not wait on it.
func (s *Server) addDevice(d *auditDevice) error {
	s.audit.mu.Lock()
	_, dup := s.audit.devices[d.name]
	s.audit.mu.Unlock()
	if dup {
		d.close()
		return fmt.Errorf("vaultemu: path already in use at %s/", d.name)
	}
	if err := d.writeEntry("request", logInput{probe: true}, s.Now()); err != nil {
		d.close()
		return fmt.Errorf("vaultemu: audit device %s failed its test entry: %w", d.name, err)
	}
	s.audit.mu.Lock()
	defer s.audit.mu.Unlock()
	if _, dup := s.audit.devices[d.name]; dup { // enabled meanwhile by another call
		d.close()
		return fmt.Errorf("vaultemu: path already in use at %s/", d.name)
	}
	s.audit.devices[d.name] = d
	return nil
}

// DisableAudit disables and closes the device at name.
func (s *Server) DisableAudit(name string) error {
	name = strings.TrimSuffix(name, "/")
	s.audit.mu.Lock()
	d, found := s.audit.devices[name]
	delete(s.audit.devices, name)
	s.audit.mu.Unlock()
	if !found {
		return fmt.Errorf("vaultemu: no audit device at %s/", name)
	}
	return d.close()
}

// AuditHash is what sys/audit-hash/{name} answers: the device's HMAC of
// input, to find a known value in its entries.
func (s *Server) AuditHash(name, input string) (string, error) {
	s.audit.mu.Lock()
	d, found := s.audit.devices[strings.TrimSuffix(name, "/")]
	s.audit.mu.Unlock()
	if !found {
		return "", errors.New("vaultemu: unknown audit device " + name)
	}
	return d.hash(input), nil
}

// enableAuditCall answers PUT/POST sys/audit/{name}
// {"type","description","options":{…}}.
func (s *Server) enableAuditCall(name string, data map[string]any) reply {
	typ, _ := data["type"].(string)
	if typ == "" {
		return errReply(http.StatusBadRequest, "audit device type is required")
	}
	desc, _ := data["description"].(string)
	opts := map[string]string{}
	if raw, found := data["options"]; found && raw != nil {
		m, isMap := raw.(map[string]any)
		if !isMap {
			return errReply(http.StatusBadRequest, "options must be an object")
		}
		for k, v := range m {
			switch t := v.(type) {
			case string:
				opts[k] = t
			case bool:
				opts[k] = strconv.FormatBool(t)
			default:
				return errReply(http.StatusBadRequest, fmt.Sprintf("option %s must be a string", k))
			}
		}
	}
	name = strings.TrimSuffix(name, "/")
	if !auditNameRE.MatchString(name) {
		return errReply(http.StatusBadRequest, "invalid audit device path")
	}
	d, err := newAuditDevice(name, typ, desc, opts)
	if err == nil {
		err = s.addDevice(d)
	}
	if err != nil {
		return errReply(http.StatusBadRequest, strings.TrimPrefix(err.Error(), "vaultemu: "))
	}
	return noContent()
}

func (s *Server) disableAuditCall(name string) reply {
	// Vault answers 204 for a path with no device too: the error only
	// says there was nothing to disable.
	_ = s.DisableAudit(name)
	return noContent()
}

// listAudit answers GET sys/audit: every device by "name/".
func (s *Server) listAudit(*call) reply {
	s.audit.mu.Lock()
	defer s.audit.mu.Unlock()
	data := map[string]any{}
	for name, d := range s.audit.devices {
		opts := map[string]any{}
		for k, v := range d.options {
			opts[k] = v
		}
		data[name+"/"] = map[string]any{"type": d.typ, "description": d.description, "options": opts, "local": false, "path": name + "/"}
	}
	return reply{status: http.StatusOK, data: data, top: maps.Clone(data)}
}

// auditHashCall answers PUT/POST sys/audit-hash/{name} {"input":"…"}.
func (s *Server) auditHashCall(name string, data map[string]any) reply {
	input, isString := data["input"].(string)
	if !isString {
		return errReply(http.StatusBadRequest, "input must be a string")
	}
	h, err := s.AuditHash(name, input)
	if err != nil {
		return errReply(http.StatusBadRequest, "unknown audit backend "+name)
	}
	return reply{status: http.StatusOK, data: map[string]any{"hash": h}, top: map[string]any{"hash": h}}
}
