package testenv

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

var binary struct {
	once sync.Once
	path string
	err  error
}

// Binary builds cmd/honeyvault once per test process and returns its path.
// The binary lives in a temp dir removed when the process exits (best
// effort: it is small, and the OS cleans its temp dir).
func Binary(t testing.TB) string {
	t.Helper()
	binary.once.Do(func() {
		dir, err := os.MkdirTemp("", "hv-bin-")
		if err != nil {
			binary.err = err
			return
		}
		binary.path = filepath.Join(dir, "honeyvault")
		cmd := exec.Command("go", "build", "-o", binary.path, "./cmd/honeyvault")
		cmd.Dir = RepoRoot()
		if out, err := cmd.CombinedOutput(); err != nil {
			binary.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binary.err != nil {
		t.Fatalf("testenv: %v", binary.err)
	}
	return binary.path
}

// Serve is a `honeyvault serve` process the test started (StartServe).
type Serve struct {
	// URL is where it listens, "http://127.0.0.1:PORT".
	URL string
	// Env is the environment it runs with (HONEYVAULT_* settings), kept
	// for restarts.
	Env []string
	// Args are the extra arguments after "serve".
	Args []string

	t    testing.TB
	cmd  *exec.Cmd
	done chan struct{}
	logs *syncBuffer
}

// StartServe starts `honeyvault serve` on a free 127.0.0.1 port with the
// given HONEYVAULT_* environment ("HONEYVAULT_DB=sqlite:/tmp/x.db", ...;
// HONEYVAULT_LISTEN is set here) and extra arguments, waits until /readyz
// answers 200, and kills the process when the test ends.
func StartServe(t testing.TB, env []string, args ...string) *Serve {
	t.Helper()
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	s := &Serve{
		URL: "http://127.0.0.1:" + strconv.Itoa(port),
		// Vault discovery, reconcile and heartbeats are off unless env turns them
		// on: a test reaches no Azure, and DefaultAzureCredential would
		// probe for one.
		Env: append([]string{"HONEYVAULT_LISTEN=127.0.0.1:" + strconv.Itoa(port), "HONEYVAULT_INVENTORY_INTERVAL=off",
			"HONEYVAULT_RECONCILE_INTERVAL=off", "HONEYVAULT_HEARTBEAT_INTERVAL=off"}, env...),
		Args: args,
		t:    t,
	}
	s.start()
	t.Cleanup(func() { s.Kill() })
	return s
}

func (s *Serve) start() {
	s.t.Helper()
	s.cmd = exec.Command(Binary(s.t), append([]string{"serve"}, s.Args...)...)
	// A clean environment but for what the process needs, so that the
	// developer's own HONEYVAULT_* settings do not leak in.
	s.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "TMPDIR=" + os.TempDir()}, s.Env...)
	if s.logs == nil {
		s.logs = &syncBuffer{}
	}
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("testenv: starting honeyvault serve: %v", err)
	}
	s.done = make(chan struct{})
	go func() { s.cmd.Wait(); close(s.done) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(s.URL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-s.done:
			s.t.Fatalf("testenv: honeyvault serve exited before it was ready: %v\n%s", s.cmd.ProcessState, s.logs.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("testenv: honeyvault serve not ready within 60 s\n%s", s.logs.String())
		}
	}
}

// PID is the running process's id (the e2e memory test reads its resident
// high-water mark).
func (s *Serve) PID() int { return s.cmd.Process.Pid }

// Logs returns everything the process (and earlier runs of it) wrote.
func (s *Serve) Logs() string { return s.logs.String() }

// Kill stops the process with SIGKILL (kill -9) and waits for it.
func (s *Serve) Kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
}

// Pause freezes the process with SIGSTOP, as a stalled VM or a long GC
// pause would: it keeps its connections but runs nothing until Resume.
func (s *Serve) Pause() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		s.t.Fatalf("testenv: SIGSTOP: %v", err)
	}
}

// Resume lets a paused process run again (SIGCONT).
func (s *Serve) Resume() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		s.t.Fatalf("testenv: SIGCONT: %v", err)
	}
}

// Stop asks the process to shut down (SIGTERM) and waits for it to exit,
// failing the test if it does not within a minute.
func (s *Serve) Stop() {
	s.t.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(time.Minute):
		s.t.Fatalf("testenv: honeyvault serve did not stop within a minute of SIGTERM\n%s", s.logs.String())
	}
}

// Restart starts the process again with the same settings and port, after
// Kill or Stop.
func (s *Serve) Restart() {
	s.t.Helper()
	s.start()
}

// syncBuffer is a bytes.Buffer safe for the process's two output streams
// and the test reading it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
