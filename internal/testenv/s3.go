package testenv

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"
)

// s3rver's built-in account (public, in its source; not a secret): every
// request must be signed with it or s3rver refuses it.
const (
	S3AccessKeyID     = "S3RVER"
	S3SecretAccessKey = "S3RVER"
)

// S3Server is a running s3rver (npm s3rver), an S3 API on loopback.
type S3Server struct {
	// URL is the endpoint, "http://127.0.0.1:{port}"; clients must use
	// path-style addressing (s3.Options.UsePathStyle).
	URL string
	// Dir is where s3rver keeps buckets and objects.
	Dir string
}

// s3rverListening is the line s3rver prints once it listens.
var s3rverListening = regexp.MustCompile(`S3rver listening on (127\.0\.0\.1:\d+)`)

// S3 starts s3rver (node_modules/.bin/s3rver, installed by scripts/setup)
// on 127.0.0.1 with its data in a temp dir, creating the given buckets, and
// stops it when the test ends. Without s3rver the test is skipped (or fails
// under HONEYVAULT_TEST_REQUIRE_ALL=1), as for Azurite.
func S3(t testing.TB, buckets ...string) *S3Server {
	t.Helper()
	bin := filepath.Join(RepoRoot(), "node_modules", ".bin", "s3rver")
	if _, err := os.Stat(bin); err != nil {
		Unavailable(t, "s3rver: %s missing (run scripts/setup)", bin)
	}
	dir := t.TempDir()
	addr, out, err := startS3rver(t, bin, dir, buckets)
	if err != nil {
		t.Fatalf("testenv: s3rver: %v\n%s", err, out)
	}
	return &S3Server{URL: "http://" + addr, Dir: dir}
}

// startS3rver runs s3rver until the test ends and waits until it says
// where it listens. Port 0 lets the kernel pick a free port and s3rver
// prints it, so no other process can take the port in between (the race
// StartAzurite has to retry around). On failure it returns s3rver's output.
func startS3rver(t testing.TB, bin, dir string, buckets []string) (addr, output string, err error) {
	args := []string{"--directory", dir, "--address", "127.0.0.1", "--port", "0", "--no-vhost-buckets"}
	for _, b := range buckets {
		args = append(args, "--configure-bucket", b)
	}
	cmd := exec.Command(bin, args...)
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	// Its own process group, so stopping it also stops anything it spawned.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		Unavailable(t, "s3rver: %v", err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); pw.Close(); close(exited) }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	})
	var out bytes.Buffer // s3rver's output until it listens
	listening, drained := make(chan string, 1), make(chan struct{})
	go func() { // reads until s3rver exits, so it never blocks on a full pipe
		defer close(drained)
		sc := bufio.NewScanner(pr)
		found := false
		for sc.Scan() {
			if found {
				continue
			}
			out.WriteString(sc.Text() + "\n")
			if m := s3rverListening.FindStringSubmatch(sc.Text()); m != nil {
				found = true
				listening <- m[1]
			}
		}
	}()
	select {
	case addr := <-listening:
		return addr, "", nil
	case <-drained:
		<-exited
		return "", out.String(), fmt.Errorf("exited before listening: %v", waitErr)
	case <-time.After(2 * time.Minute): // a failure bound, not an expectation
		return "", "", fmt.Errorf("did not say it listens within 2 minutes")
	}
}
