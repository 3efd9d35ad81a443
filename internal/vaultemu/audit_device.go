package vaultemu

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"
)

// auditDevice is one enabled audit device: where it writes, its salt and
// its formatting options.
type auditDevice struct {
	name         string // without the trailing slash
	typ          string // file or socket
	description  string
	options      map[string]string // as enabled, shown by sys/audit
	salt         []byte
	hmacAccessor bool
	logRaw       bool
	elide        bool
	prefix       string

	mu   sync.Mutex // one entry at a time, whole
	sink auditSink
}

// auditSink is where a device's lines go.
type auditSink interface {
	write(line []byte) error
	close() error
}

// writeEntry formats and writes one entry.
func (d *auditDevice) writeEntry(typ string, in logInput, now time.Time) error {
	line, err := encodeEntry(d.prefix, d.format(typ, in, now))
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.sink.write(line)
}

// close closes the sink once no entry is being written to it.
func (d *auditDevice) close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.sink.close()
}

// auditBroker fans each entry out to every enabled device.
type auditBroker struct {
	mu      sync.Mutex
	devices map[string]*auditDevice
}

// errNoAuditDevice is returned when devices are enabled but none could
// write an entry: Vault then refuses to serve the request.
var errNoAuditDevice = errors.New("no audit device could write the entry")

// log writes the entry to every device; it fails only when devices exist
// and none succeeded (one working device is enough, as in Vault).
func (b *auditBroker) log(typ string, in logInput, now time.Time) error {
	b.mu.Lock()
	devs := make([]*auditDevice, 0, len(b.devices))
	for _, d := range b.devices {
		devs = append(devs, d)
	}
	b.mu.Unlock()
	if len(devs) == 0 {
		return nil
	}
	var errs []error
	for _, d := range devs {
		if err := d.writeEntry(typ, in, now); err != nil {
			errs = append(errs, fmt.Errorf("audit device %s: %w", d.name, err))
		}
	}
	if len(errs) == len(devs) {
		return errors.Join(append([]error{errNoAuditDevice}, errs...)...)
	}
	return nil
}

func (b *auditBroker) closeAll() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	var errs []error
	for name, d := range b.devices {
		errs = append(errs, d.close())
		delete(b.devices, name)
	}
	return errors.Join(errs...)
}

// fileSink appends to a file ("stdout" and "discard" are Vault's special
// file paths).
type fileSink struct {
	w      io.Writer
	closer io.Closer // nil for stdout and discard
}

func openFileSink(path string, mode os.FileMode) (*fileSink, error) {
	switch path {
	case "stdout":
		return &fileSink{w: os.Stdout}, nil
	case "discard":
		return &fileSink{w: io.Discard}, nil
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, mode)
	if err != nil {
		return nil, err
	}
	return &fileSink{w: f, closer: f}, nil
}

func (f *fileSink) write(line []byte) error {
	_, err := f.w.Write(line)
	return err
}

func (f *fileSink) close() error {
	if f.closer == nil {
		return nil
	}
	return f.closer.Close()
}

// socketSink streams to one long-lived connection, dialled on first use;
// a failed write closes it, dials again once and retries (Vault's socket
// device).
type socketSink struct {
	network, address string
	timeout          time.Duration
	conn             net.Conn
}

func (s *socketSink) write(line []byte) error {
	if err := s.tryWrite(line); err == nil {
		return nil
	}
	s.reset()
	if err := s.tryWrite(line); err != nil {
		s.reset()
		return err
	}
	return nil
}

func (s *socketSink) tryWrite(line []byte) error {
	if s.conn == nil {
		c, err := net.DialTimeout(s.network, s.address, s.timeout)
		if err != nil {
			return err
		}
		s.conn = c
	}
	if err := s.conn.SetWriteDeadline(time.Now().Add(s.timeout)); err != nil {
		return err
	}
	_, err := s.conn.Write(line)
	return err
}

func (s *socketSink) reset() {
	if s.conn != nil {
		s.conn.Close()
		s.conn = nil
	}
}

func (s *socketSink) close() error {
	if s.conn == nil {
		return nil
	}
	err := s.conn.Close()
	s.conn = nil
	return err
}

// commonAuditOptions are the options every device type takes.
var commonAuditOptions = []string{"format", "prefix", "log_raw", "hmac_accessor", "elide_list_responses"}

// newAuditDevice validates a device's type and options and opens its
// sink; nothing is enabled yet.
func newAuditDevice(name, typ, desc string, opts map[string]string) (*auditDevice, error) {
	d := &auditDevice{name: name, typ: typ, description: desc, options: opts, salt: randomBytes(32), hmacAccessor: true, prefix: opts["prefix"]}
	allowed := slices.Clone(commonAuditOptions)
	switch typ {
	case "file":
		allowed = append(allowed, "file_path", "path", "mode")
	case "socket":
		allowed = append(allowed, "address", "socket_type", "write_timeout")
	case "syslog":
		return nil, errors.New("audit device type syslog is not emulated (it needs a local syslog agent); use file or socket")
	default:
		return nil, fmt.Errorf("unknown audit device type %q", typ)
	}
	for k := range opts {
		if !slices.Contains(allowed, k) {
			return nil, fmt.Errorf("unknown option %q for a %s audit device", k, typ)
		}
	}
	if f, ok := opts["format"]; ok && f != "json" {
		return nil, fmt.Errorf("format %q is not emulated: only json", f)
	}
	for opt, dst := range map[string]*bool{"log_raw": &d.logRaw, "hmac_accessor": &d.hmacAccessor, "elide_list_responses": &d.elide} {
		if v, ok := opts[opt]; ok {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return nil, fmt.Errorf("option %s: %q is not a boolean", opt, v)
			}
			*dst = b
		}
	}
	var err error
	d.sink, err = openSink(typ, opts)
	if err != nil {
		return nil, err
	}
	return d, nil
}

func openSink(typ string, opts map[string]string) (auditSink, error) {
	if typ == "file" {
		path := opts["file_path"]
		if path == "" {
			path = opts["path"]
		}
		if path == "" {
			return nil, errors.New("file_path is required")
		}
		mode := os.FileMode(0o600)
		if m, ok := opts["mode"]; ok {
			n, err := strconv.ParseUint(m, 8, 32)
			if err != nil || n > 0o777 {
				return nil, fmt.Errorf("mode %q is not an octal file mode", m)
			}
			mode = os.FileMode(n)
		}
		return openFileSink(path, mode)
	}
	s := &socketSink{network: "tcp", address: opts["address"], timeout: 2 * time.Second}
	if s.address == "" {
		return nil, errors.New("address is required")
	}
	if t, ok := opts["socket_type"]; ok {
		if t != "tcp" && t != "udp" && t != "unix" {
			return nil, fmt.Errorf("socket_type %q: want tcp, udp or unix", t)
		}
		s.network = t
	}
	if t, ok := opts["write_timeout"]; ok {
		d, err := time.ParseDuration(t)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("write_timeout %q is not a positive duration", t)
		}
		s.timeout = d
	}
	return s, nil
}
