package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The README's promise, with the real binary: `honeyvault lab --selftest
// --json` passes and prints SPEC.md's report.
func TestLabSelftestJSON(t *testing.T) {
	stdout, stderr, code := run(t, nil, "lab", "--selftest", "--json")
	if code != 0 {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	var rep struct {
		OK     bool `json:"ok"`
		Checks []struct {
			Operation         string   `json:"operation"`
			Token             string   `json:"token"`
			Vault             string   `json:"vault"`
			Caller            string   `json:"caller"`
			IncidentID        *int64   `json:"incident_id"`
			SecondsToIncident *float64 `json:"seconds_to_incident"`
		} `json:"checks"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
	}
	// The two accesses, the deleted diagnostic setting (token ""), a
	// canary value of each kind used outside Key Vault, then a decoy read
	// in HashiCorp Vault and one in AWS Secrets Manager.
	if !rep.OK || len(rep.Checks) != 8 || rep.Checks[2].Operation != "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE" ||
		rep.Checks[3].Operation != "canary:http" || rep.Checks[4].Operation != "canary:dns" || rep.Checks[5].Operation != "canary:postgres" ||
		rep.Checks[6].Operation != "vault:read" || rep.Checks[7].Operation != "GetSecretValue" {
		t.Fatalf("report: %s", stdout)
	}
	for i, c := range rep.Checks {
		if c.Operation == "" || (c.Token == "") != (i == 2) || c.Vault == "" || c.Caller == "" || c.IncidentID == nil || c.SecondsToIncident == nil {
			t.Errorf("incomplete check: %+v", c)
		}
	}
}

// The "done when", in separate processes: the lab comes up and
// prints its decoys, `lab attack` touches them, `incidents list` shows the
// incidents, a configured webhook receives them, and Ctrl-C stops the lab
// cleanly.
func TestLabAttackIncidentsAndCtrlC(t *testing.T) {
	hooks := make(chan []byte, 100)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		hooks <- b
	}))
	defer hook.Close()

	dir := t.TempDir()
	lab := exec.Command(binary, "lab", "--listen", "127.0.0.1:0", "--dir", dir, "--vaults", "3", "--notify-webhook", hook.URL)
	out, err := lab.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := lab.Start(); err != nil {
		t.Fatal(err)
	}
	defer lab.Process.Kill()
	lines := make(chan string, 200)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var addr, token string
	decoys := 0
	for ready := false; !ready; {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatal("the lab exited before it was ready")
			}
			switch f := strings.Fields(line); {
			case strings.HasPrefix(line, "honeyvault:"):
				addr = f[1]
			case strings.HasPrefix(line, "  export HONEYVAULT_ADDR="):
				token = strings.TrimPrefix(f[2], "HONEYVAULT_TOKEN=")
			case strings.HasPrefix(line, "      ") && len(f) >= 2 && (f[len(f)-2] == "secret" || f[len(f)-2] == "key"):
				decoys++ // "      decoys:  secret  NAME", then "               key     NAME"
			case strings.HasPrefix(line, "Ctrl-C stops the lab"):
				ready = true
			}
		case <-time.After(60 * time.Second):
			t.Fatal("the lab did not print its summary within 60 s")
		}
	}
	if addr == "" || token == "" || decoys < 6 {
		t.Fatalf("summary: address %q, token set %v, %d decoys; want an address, a token and 2+ decoys in each of 3 vaults", addr, token != "", decoys)
	}

	attack, stderr, code := run(t, nil, "lab", "attack", "--dir", dir)
	if code != 0 || !strings.Contains(attack, "<- decoy") || !strings.Contains(attack, "4. Cover tracks") || !strings.Contains(attack, "<- covers the tracks") {
		t.Fatalf("lab attack: exit %d\n%s\n%s", code, attack, stderr)
	}
	const attacker = "e1a3c5e7-9b2d-4f6a-8c0e-2d4f6a8c0e19" // the lab's "contractor"
	env := []string{"HONEYVAULT_ADDR=" + addr, "HONEYVAULT_TOKEN=" + token}
	deadline := time.Now().Add(30 * time.Second)
	for {
		list, stderr, code := run(t, env, "incidents", "list")
		if code != 0 {
			t.Fatalf("incidents list: exit %d: %s", code, stderr)
		}
		if strings.Count(list, attacker) >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("incidents list shows no incidents of the attacker:\n%s", list)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The SDK's unauthenticated first request to a vault (a 401 that names
	// the decoy) is an incident of its own, so look for the attacker's.
	timeout := time.After(30 * time.Second)
	for got := false; !got; {
		select {
		case b := <-hooks:
			got = strings.Contains(string(b), `"incident"`) && strings.Contains(string(b), attacker)
		case <-timeout:
			t.Fatal("the webhook received no incident of the attacker")
		}
	}

	lab.Process.Signal(syscall.SIGINT)
	var tail []string
	for line := range lines {
		tail = append(tail, line)
	}
	if err := lab.Wait(); err != nil {
		t.Errorf("exit after Ctrl-C: %v\n%s", err, strings.Join(tail, "\n"))
	}
	if !strings.Contains(strings.Join(tail, "\n"), "lab: stopped") {
		t.Errorf("after Ctrl-C: %q", tail)
	}
	ln, err := net.Listen("tcp", strings.TrimPrefix(addr, "http://"))
	if err != nil {
		t.Errorf("the lab's port is still taken: %v", err)
	} else {
		ln.Close()
	}
	if _, _, code := run(t, nil, "lab", "attack", "--dir", dir); code == 0 {
		t.Error("lab attack succeeded after the lab stopped")
	}
}
