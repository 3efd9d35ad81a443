package testenv

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
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
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--blobHost", "127.0.0.1", "--blobPort", strconv.Itoa(port),
		"--location", t.TempDir(), "--skipApiVersionCheck", "--loose", "--silent")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// Its own process group, so stopping it also stops anything it spawned.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		Unavailable(t, "Azurite: %v", err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	})
	addr := "127.0.0.1:" + strconv.Itoa(port)
	deadline := time.Now().Add(60 * time.Second)
	for {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			break
		}
		select {
		case <-exited:
			t.Fatalf("testenv: Azurite exited before listening: %v\n%s", waitErr, out.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("testenv: Azurite did not listen on %s within 60 s", addr)
		}
	}
	blobURL := fmt.Sprintf("http://%s/%s", addr, AzuriteAccount)
	return &Azurite{
		BlobURL: blobURL,
		ConnectionString: fmt.Sprintf("DefaultEndpointsProtocol=http;AccountName=%s;AccountKey=%s;BlobEndpoint=%s;",
			AzuriteAccount, AzuriteKey, blobURL),
	}
}
