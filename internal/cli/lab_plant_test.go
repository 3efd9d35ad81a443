package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/client"
	"github.com/honeyvault/honeyvault/internal/lab"
)

// labPlanterOID is the lab's planter (internal/lab's estate).
const labPlanterOID = "2c4e6a8b-0d1f-4a3c-9e5b-7d9f1b3d5f70"

type auditRow struct {
	Actor, Action, Target, Detail string
}

// labAudit reads a running lab's audit trail through its API, oldest first.
func labAudit(t *testing.T, l *lab.Lab, action string) []auditRow {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, l.URL()+"/api/v1/audit?format=jsonl&action="+action, nil)
	req.Header.Set("Authorization", "Bearer "+l.AdminToken())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("audit trail: %s", resp.Status)
	}
	var rows []auditRow
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		var r auditRow
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r)
	}
	return rows
}

// A running lab takes decoys from another process: retire --lab and
// plant --lab work on its emulator as its planter and on its database, the
// running honeyvault watches the new decoys at once (lab attack at them
// raises incidents naming them), the planter's own deletes and creates
// raise none, and every step is in the audit trail — the lab's own
// planting included.
func TestPlantIntoARunningLab(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	l, err := lab.Start(ctx, lab.Options{Dir: dir, Vaults: 2, Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	defer http.DefaultClient.CloseIdleConnections()

	// The lab's own planting: one entry per decoy, by the planter — in Key
	// Vault, and in the lab's Vault server and Secrets Manager as the
	// planter's token and IAM user.
	total := 0
	for _, v := range l.Vaults() {
		total += len(v.Decoys)
	}
	for _, s := range l.Stores() {
		total += len(s.Decoys)
	}
	planted := labAudit(t, l, "decoy.plant")
	if len(planted) != total || total == 0 {
		t.Fatalf("the lab planted %d decoys; the audit trail has %d decoy.plant entries", total, len(planted))
	}
	planters := []string{"honeyvault@contoso.com", "vault:token-honeyvault-planter", "aws:user/honeyvault-planter"}
	for _, r := range planted {
		if !slices.Contains(planters, r.Actor) || !strings.HasPrefix(r.Target, "decoy:") {
			t.Errorf("lab planting entry %+v", r)
		}
	}

	i := slices.IndexFunc(l.Vaults(), func(v lab.Vault) bool { return v.RBAC })
	v := l.Vaults()[i]
	run := func(args ...string) (int, string) {
		t.Helper()
		var out, errOut bytes.Buffer
		code := Main(args, nil, &out, &errOut)
		return code, out.String() + errOut.String()
	}
	if code, out := run("plant", "--lab", dir, "--db", "sqlite:x.db", "--all"); code != 2 || !strings.Contains(out, "--lab and --db") {
		t.Errorf("--lab with --db: exit %d\n%s", code, out)
	}
	if code, out := run("plant", "--lab", t.TempDir(), "--all"); code != 1 || !strings.Contains(out, "no lab is running") {
		t.Errorf("--lab of no lab: exit %d\n%s", code, out)
	}
	if code, out := run("retire", "--lab", dir, "--vault", v.Name); code != 0 {
		t.Fatalf("retire --lab: exit %d\n%s", code, out)
	}
	if code, out := run("plant", "--lab", dir, "--vault", v.Name, "--types", "secret,key"); code != 0 {
		t.Fatalf("plant --lab: exit %d\n%s", code, out)
	}
	// In the emulator: reconcile finds every active decoy in its vault.
	if code, out := run("reconcile", "--lab", dir, "--vault", v.Name); code != 0 || !strings.Contains(out, "0 new findings") {
		t.Fatalf("reconcile --lab: exit %d\n%s", code, out)
	}
	// In the registry the running honeyvault serves.
	hv, err := client.New(l.URL(), l.AdminToken())
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := hv.ListHoneytokens(ctx, client.HoneytokenQuery{VaultID: v.ID, Status: "active"})
	if err != nil {
		t.Fatal(err)
	}
	fresh := map[string]bool{}
	for _, tok := range tokens {
		for _, old := range v.Decoys {
			if strings.EqualFold(old.Name, tok.Name) {
				t.Errorf("retired decoy %s is still active", tok.Name)
			}
		}
		fresh[strings.ToLower(tok.Name)] = true
	}
	if len(fresh) < 2 {
		t.Fatalf("active decoys in %s after plant --lab: %+v", v.Name, tokens)
	}
	if got, want := len(labAudit(t, l, "decoy.retire")), len(v.Decoys); got != want {
		t.Errorf("%d decoy.retire entries; want %d", got, want)
	}
	if got, want := len(labAudit(t, l, "decoy.plant")), total+len(fresh); got != want {
		t.Errorf("%d decoy.plant entries; want %d", got, want)
	}

	// An outside identity reads the new decoys at once.
	var out bytes.Buffer
	if err := lab.Attack(ctx, lab.AttackOptions{Dir: dir, Vault: v.Name, Out: &out}); err != nil {
		t.Fatal(err)
	}
	touched := 0
	for _, line := range strings.Split(out.String(), "\n") {
		if f := strings.Fields(line); strings.HasSuffix(line, "<- decoy") && len(f) > 2 && fresh[strings.ToLower(f[2])] {
			touched++
		}
	}
	if touched < 2 {
		t.Fatalf("the attack touched %d of the new decoys:\n%s", touched, out.String())
	}
	deadline := time.Now().Add(lab.DefaultWait)
	for {
		list, err := hv.ListIncidents(ctx, client.IncidentQuery{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		named := false
		for _, inc := range list.Incidents {
			if inc.Caller == labPlanterOID {
				t.Fatalf("the planter's own work raised incident %+v", inc)
			}
			detail, err := hv.GetIncident(ctx, inc.ID, "")
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range detail.Alerts {
				named = named || fresh[strings.ToLower(a.Token)]
			}
		}
		if named {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no incident names a decoy planted with plant --lab:\n%s", out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
