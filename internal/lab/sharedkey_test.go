package lab

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/honeyvault/honeyvault/internal/testenv"
)

// The lab signs a storage request as a storage client does: Azurite, which
// checks Shared Key signatures, accepts it, and refuses it once the key is
// wrong.
func TestSharedKeySignatureAzuriteAccepts(t *testing.T) {
	az := testenv.StartAzurite(t)
	acct, err := parseStorageConnection(az.ConnectionString)
	if err != nil {
		t.Fatal(err)
	}
	status := func(a storageAccount) int {
		t.Helper()
		req, err := a.listContainersRequest(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := status(acct); got != http.StatusOK {
		t.Fatalf("Azurite answered %d to the signed request; want 200", got)
	}
	wrong := acct
	wrong.Key = "AAAA" + acct.Key[4:]
	if got := status(wrong); got != http.StatusForbidden {
		t.Errorf("Azurite answered %d with a wrong key; want 403", got)
	}
}
