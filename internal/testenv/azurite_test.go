package testenv

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// When another process took the chosen port first, Azurite is not taken
// for listening (a dial would reach the other process): it reports
// EADDRINUSE, on which StartAzurite tries another port.
func TestAzuriteOnATakenPortIsNotTakenForListening(t *testing.T) {
	bin := filepath.Join(RepoRoot(), "node_modules", ".bin", "azurite-blob")
	if _, err := os.Stat(bin); err != nil {
		Unavailable(t, "Azurite: %s missing (run scripts/setup)", bin)
	}
	other, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	_, out, err := startAzurite(t, bin, other.Addr().(*net.TCPAddr).Port)
	if err == nil || !strings.Contains(out, "EADDRINUSE") {
		t.Fatalf("got %v (output %q); want Azurite to exit with EADDRINUSE", err, out)
	}
}

func TestStartAzuriteListens(t *testing.T) {
	az := StartAzurite(t)
	u := strings.TrimPrefix(az.BlobURL, "http://")
	c, err := net.Dial("tcp", strings.TrimSuffix(u, "/"+AzuriteAccount))
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}
