package testenv

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Azurite's well-known development account (public, documented by
// Microsoft; not a secret).
const (
	AzuriteAccount = "devstoreaccount1"
	AzuriteKey     = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// Azurite is a running Azurite blob service.
type Azurite struct {
	// BlobURL is the account's blob endpoint,
	// "http://127.0.0.1:{port}/devstoreaccount1".
	BlobURL string
	// ConnectionString connects azblob (NewClientFromConnectionString).
	ConnectionString string
}

// StartAzurite starts Azurite's blob service (node_modules/.bin/azurite-blob,
// installed by scripts/setup) on a free 127.0.0.1 port with its data in a
// temp dir, and stops it when the test ends. Without Azurite the test is
// skipped (or fails under HONEYVAULT_TEST_REQUIRE_ALL=1).
func StartAzurite(t testing.TB) *Azurite {
	t.Helper()
	bin := filepath.Join(RepoRoot(), "node_modules", ".bin", "azurite-blob")
	if _, err := os.Stat(bin); err != nil {
		Unavailable(t, "Azurite: %s missing (run scripts/setup)", bin)
	}
	// The port is free when chosen, but on a busy machine another process
	// may bind it before Azurite does; Azurite then exits with EADDRINUSE
	// and starts again on another port.
	for attempt := 1; ; attempt++ {
		port, err := FreePort()
		if err != nil {
			t.Fatal(err)
		}
		addr, out, err := startAzurite(t, bin, port)
		if err == nil {
			blobURL := fmt.Sprintf("http://%s/%s", addr, AzuriteAccount)
			return &Azurite{
				BlobURL: blobURL,
				ConnectionString: fmt.Sprintf("DefaultEndpointsProtocol=http;AccountName=%s;AccountKey=%s;BlobEndpoint=%s;",
					AzuriteAccount, AzuriteKey, blobURL),
			}
		}
		if !strings.Contains(out, "EADDRINUSE") || attempt == 5 {
			t.Fatalf("testenv: Azurite: %v\n%s", err, out)
		}
	}
}

// startAzurite runs Azurite on port until the test ends and waits until it
// says it listens (its own word: a dial could reach whatever else took the
// port). On failure it returns Azurite's output.
func startAzurite(t testing.TB, bin string, port int) (addr, output string, err error) {
	cmd := exec.Command(bin, "--blobHost", "127.0.0.1", "--blobPort", strconv.Itoa(port),
		"--location", t.TempDir(), "--skipApiVersionCheck", "--loose", "--silent")
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	// Its own process group, so stopping it also stops anything it spawned.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		Unavailable(t, "Azurite: %v", err)
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
	addr = "127.0.0.1:" + strconv.Itoa(port)
	var out bytes.Buffer // Azurite's output until it listens
	listening, drained := make(chan struct{}), make(chan struct{})
	go func() { // reads until Azurite exits, so it never blocks on a full pipe
		defer close(drained)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			select {
			case <-listening:
				continue
			default:
			}
			out.WriteString(sc.Text() + "\n")
			if strings.Contains(sc.Text(), "successfully listens on http://"+addr) {
				close(listening)
			}
		}
	}()
	select {
	case <-listening:
		return addr, "", nil
	case <-drained:
		<-exited
		return "", out.String(), fmt.Errorf("exited before listening: %v", waitErr)
	case <-time.After(2 * time.Minute): // a failure bound, not an expectation
		return "", "", fmt.Errorf("did not listen on %s within 2 minutes", addr)
	}
}
