package cli

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/client"
	"github.com/honeyvault/honeyvault/internal/lab"
)

// The lab's new team's vault has no diagnostic setting: once planted from
// another process, azure connect --lab sees its audit log goes nowhere,
// wires it to the namespace the lab's honeyvault reads (and leaves the
// other vaults, wired already, alone), and the next access to its decoy
// becomes an incident.
func TestAzureConnectWiresTheLabsNewVault(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	l, err := lab.Start(ctx, lab.Options{Dir: dir, Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	defer http.DefaultClient.CloseIdleConnections()
	const vault = "kv-fraud-ml-prod"
	run := func(args ...string) (int, string) {
		t.Helper()
		var out, errOut bytes.Buffer
		code := Main(args, nil, &out, &errOut)
		return code, out.String() + errOut.String()
	}
	if code, out := run("plant", "--lab", dir, "--vault", vault, "--types", "secret"); code != 0 {
		t.Fatalf("plant --lab: exit %d\n%s", code, out)
	}
	code, out := run("azure", "connect", "--lab", dir, "--dry-run")
	if code != 0 || !strings.Contains(out, vault+"      no-setting      create") || !strings.Contains(out, "1 of 7 vaults would be wired") ||
		!strings.Contains(out, "kv-payments-prod-weu  ok              none") {
		t.Fatalf("dry run: exit %d\n%s", code, out)
	}
	if code, out := run("azure", "connect", "--lab", dir); code != 0 || !strings.Contains(out, "1 vaults wired, 0 failed, 0 blocked.") {
		t.Fatalf("connect: exit %d\n%s", code, out)
	}

	var attack bytes.Buffer
	if err := lab.Attack(ctx, lab.AttackOptions{Dir: dir, Vault: vault, Out: &attack}); err != nil {
		t.Fatal(err)
	}
	hv, err := client.New(l.URL(), l.AdminToken())
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(lab.DefaultWait)
	for {
		list, err := hv.ListIncidents(ctx, client.IncidentQuery{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, inc := range list.Incidents {
			found = found || inc.Vault == vault
		}
		if found {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no incident in %s after azure connect; the attack:\n%s", vault, attack.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
