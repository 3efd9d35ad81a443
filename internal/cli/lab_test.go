package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLabRejectsBadFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"lab", "--json"}, "--json goes with --selftest"},
		{[]string{"lab", "--vaults", "0"}, "--vaults 0"},
		{[]string{"lab", "--vaults", "61"}, "--vaults 61"},
		{[]string{"lab", "--notify-webhook", "ftp://example.com/x"}, "not an http(s) URL"},
		{[]string{"lab", "extra"}, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			dir := t.TempDir()
			code := Main(append(tt.args, "--dir", filepath.Join(dir, "lab")), nil, &out, &errOut)
			if code != 2 || !strings.Contains(errOut.String(), tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errOut.String(), tt.want)
			}
			if out.Len() > 0 {
				t.Errorf("stdout %q", out.String())
			}
		})
	}
}

// lab --selftest --json prints SPEC.md's report on stdout (and progress on
// stderr) and exits 0.
func TestLabSelftestJSON(t *testing.T) {
	var out, errOut bytes.Buffer
	code := Main([]string{"lab", "--selftest", "--json", "--vaults", "4"}, nil, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out.String(), errOut.String())
	}
	var rep struct {
		OK     *bool            `json:"ok"`
		Checks []map[string]any `json:"checks"`
	}
	dec := json.NewDecoder(&out)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("stdout is not the report: %v", err)
	}
	if rep.OK == nil || !*rep.OK || len(rep.Checks) != 8 {
		t.Fatalf("report %+v", rep)
	}
	// The tamper move: the deleted diagnostic setting became an incident.
	if c := rep.Checks[2]; c["operation"] != "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE" || c["token"] != "" || c["vault"] == "" || c["caller"] == "" {
		t.Errorf("the tamper check %v", c)
	}
	// The canary values used outside Key Vault, from loopback.
	for i, op := range []string{"canary:http", "canary:dns", "canary:postgres"} {
		if c := rep.Checks[3+i]; c["operation"] != op || c["token"] == "" || c["caller"] != "127.0.0.1" {
			t.Errorf("check %d %v; want %s from 127.0.0.1", 3+i, c, op)
		}
	}
	// The reads beyond Azure: a decoy in the lab's Vault server, one in
	// its Secrets Manager.
	for i, op := range []string{"vault:read", "GetSecretValue"} {
		if c := rep.Checks[6+i]; c["operation"] != op || c["token"] == "" || c["vault"] == "" || c["caller"] == "" {
			t.Errorf("check %d %v; want %s", 6+i, c, op)
		}
	}
	for _, c := range rep.Checks {
		var keys []string
		for k := range c {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if got, want := strings.Join(keys, ","), "caller,incident_id,operation,seconds_to_incident,token,vault"; got != want {
			t.Errorf("check keys %s; want %s", got, want)
		}
		if _, ok := c["incident_id"].(float64); !ok {
			t.Errorf("incident_id %v", c["incident_id"])
		}
	}
	if !strings.Contains(errOut.String(), "lab: planting decoys") {
		t.Errorf("stderr lacks the progress: %q", errOut.String())
	}
}

// honeyvault lab runs until its context ends, then exits cleanly: nothing
// listens any more and its goroutines are gone.
func TestLabStopsOnCancel(t *testing.T) {
	before := runtime.NumGoroutine()
	pr, pw := io.Pipe()
	cmd := newLabCmd()
	cmd.SetOut(pw)
	cmd.SetErr(io.Discard)
	cmd.SetArgs([]string{"--listen", "127.0.0.1:0", "--vaults", "2", "--dir", t.TempDir()})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- cmd.ExecuteContext(ctx)
		pw.Close()
	}()
	var url string
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "honeyvault:") {
			url = strings.Fields(line)[1]
		}
		if strings.HasPrefix(line, "Ctrl-C stops the lab") {
			break
		}
	}
	rest := make(chan string, 1)
	go func() { b, _ := io.ReadAll(pr); rest <- string(b) }()
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("no honeyvault URL in the summary (%q)", url)
	}
	resp, err := http.Get(url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	http.DefaultClient.CloseIdleConnections()
	if resp.StatusCode != 200 {
		t.Fatalf("healthz: %s", resp.Status)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("lab ended with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("lab did not stop within 30 s of its context ending")
	}
	if got := <-rest; !strings.Contains(got, "lab: stopped") {
		t.Errorf("output after the summary: %q", got)
	}
	ln, err := net.Listen("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatalf("the port is still taken: %v", err)
	}
	ln.Close()
	deadline := time.Now().Add(time.Minute) // a failure bound for a loaded machine
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines still run (%d before):\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(20 * time.Millisecond)
	}
}
