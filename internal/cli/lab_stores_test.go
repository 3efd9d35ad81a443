package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/client"
	"github.com/honeyvault/honeyvault/internal/lab"
)

// The --lab verbs reach the lab's Vault server and AWS account too, as the
// lab's planter: reconcile checks their decoys, retire and plant replace a
// mount's, and lab attack's step 6 reads the new one, whose read is an
// incident naming it.
func TestStoresOfARunningLab(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	l, err := lab.Start(ctx, lab.Options{Dir: dir, Vaults: 2, Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	run := func(args ...string) (int, string) {
		t.Helper()
		var out, errOut bytes.Buffer
		code := Main(args, nil, &out, &errOut)
		return code, out.String() + errOut.String()
	}
	if code, out := run("reconcile", "--lab", dir); code != 0 || strings.Contains(out, "failed") || !strings.Contains(out, "0 new findings") {
		t.Fatalf("reconcile --lab: exit %d\n%s", code, out)
	}
	var mount lab.Store
	for _, s := range l.Stores() {
		if strings.HasPrefix(s.ID, "vault://") {
			mount = s
			break
		}
	}
	if code, out := run("retire", "--lab", dir, "--vault", mount.Name); code != 0 {
		t.Fatalf("retire --lab --vault %s: exit %d\n%s", mount.Name, code, out)
	}
	if code, out := run("plant", "--lab", dir, "--store", mount.Name); code != 0 {
		t.Fatalf("plant --lab --store %s: exit %d\n%s", mount.Name, code, out)
	}
	hv, err := client.New(l.URL(), l.AdminToken())
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := hv.ListHoneytokens(ctx, client.HoneytokenQuery{VaultID: mount.ID, Status: "active"})
	if err != nil {
		t.Fatal(err)
	}
	fresh := map[string]bool{}
	for _, tok := range tokens {
		for _, old := range mount.Decoys {
			if old.Name == tok.Name {
				t.Errorf("retired decoy %s is still active", tok.Name)
			}
		}
		fresh[tok.Name] = true
	}
	if len(fresh) == 0 {
		t.Fatalf("no active decoy in %s after plant --lab", mount.Name)
	}
	var out bytes.Buffer
	if err := lab.Attack(ctx, lab.AttackOptions{Dir: dir, Out: &out}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(lab.DefaultWait)
	for {
		list, err := hv.ListIncidents(ctx, client.IncidentQuery{Vault: mount.Name, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		named := false
		for _, inc := range list.Incidents {
			d, err := hv.GetIncident(ctx, inc.ID, "")
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range d.Alerts {
				named = named || (a.Operation == "vault:read" && fresh[a.Token])
			}
		}
		if named {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no vault:read incident names a decoy planted with plant --lab:\n%s", out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
