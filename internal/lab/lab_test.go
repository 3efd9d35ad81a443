package lab

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/client"
	"github.com/honeyvault/honeyvault/internal/registry"
)

func startLab(t *testing.T, o Options) *Lab {
	t.Helper()
	if o.Dir == "" {
		o.Dir = t.TempDir()
	}
	if o.Listen == "" {
		o.Listen = "127.0.0.1:0"
	}
	l, err := Start(testContext(t), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// Close stops everything the lab started: both listeners are gone, the
// goroutines end, the state file and CA are removed and the database stays.
func TestCloseLeavesNothingRunning(t *testing.T) {
	before := runtime.NumGoroutine()
	l := startLab(t, Options{Vaults: 2})
	serverAddr := strings.TrimPrefix(l.URL(), "http://")
	emuAddr := l.state.Emulator
	if fi, err := os.Stat(filepath.Join(l.Dir(), StateFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("state file: %v, %v; want mode 0600", fi, err)
	}
	if err := Attack(testContext(t), AttackOptions{Dir: l.Dir()}); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	ln, err := net.Listen("tcp", serverAddr)
	if err != nil {
		t.Errorf("honeyvault's port is still taken: %v", err)
	} else {
		ln.Close()
	}
	if c, err := net.Dial("tcp", emuAddr); err == nil {
		c.Close()
		t.Errorf("the emulator still answers on %s", emuAddr)
	}
	for _, name := range []string{StateFile, caFile, vaultCAFile, awsCAFile} {
		if _, err := os.Stat(filepath.Join(l.Dir(), name)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left behind: %v", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(l.Dir(), dbFile)); err != nil {
		t.Errorf("the database is gone: %v", err)
	}
	logs, err := os.ReadFile(filepath.Join(l.Dir(), logFile))
	if err != nil || !strings.Contains(string(logs), "honeyvault serving") {
		t.Errorf("log file: %v\n%s", err, logs)
	}
	secrets := []string{l.AdminToken(), l.ingestToken, l.state.Planter.ClientSecret, l.vaultPlanterToken, l.awsPlanter.SecretAccessKey}
	for _, id := range l.state.Identities {
		secrets = append(secrets, id.ClientSecret, id.VaultToken, id.AWS.SecretAccessKey, id.AWS.SessionToken)
	}
	for _, s := range secrets {
		if strings.Contains(string(logs), s) {
			t.Errorf("a token or client secret is in the log")
		}
	}
	waitGoroutines(t, before)
}

// waitGoroutines waits (with a deadline) until no more goroutines run than
// before: connections and workers wind down asynchronously. The minute is a
// failure bound for a loaded machine, not an expectation.
func waitGoroutines(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines still run (%d before):\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestSecondLabInTheSameDirIsRefused(t *testing.T) {
	l := startLab(t, Options{Vaults: 1})
	_, err := Start(testContext(t), Options{Dir: l.Dir(), Vaults: 1, Listen: "127.0.0.1:0"})
	if err == nil || !strings.Contains(err.Error(), "another lab is running") {
		t.Fatalf("got %v; want another lab is running", err)
	}
	// The refused lab changed nothing: the first still has its state.
	if _, err := readState(l.Dir()); err != nil {
		t.Errorf("the first lab's state: %v", err)
	}
}

func TestStartRejectsBadOptions(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{"too many vaults", Options{Vaults: MaxVaults + 1}, "vaults"},
		{"negative vaults", Options{Vaults: -1}, "vaults"},
		{"listen without port", Options{Listen: "127.0.0.1"}, "listen address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "lab")
			tt.o.Dir = dir
			_, err := Start(testContext(t), tt.o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v; want an error about %s", err, tt.want)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("bad options created %s", dir)
			}
		})
	}
}

// Every planned vault has a valid name, and even two vaults span both
// subscriptions and both permission models.
func TestPlanVaults(t *testing.T) {
	plans := planVaults(MaxVaults)
	seen := map[string]bool{}
	for _, p := range plans {
		if !registry.ValidVaultName(p.name) || seen[strings.ToLower(p.name)] {
			t.Errorf("vault name %q is invalid or repeated", p.name)
		}
		seen[strings.ToLower(p.name)] = true
	}
	two := planVaults(2)
	if two[0].sub == two[1].sub || two[0].rbac == two[1].rbac {
		t.Errorf("two vaults: %+v %+v; want both subscriptions and both models", two[0].name, two[1].name)
	}
	denied, readable := 0, 0
	for _, p := range planVaults(len(templates)) {
		if p.outsidersDenied {
			denied++
		} else {
			readable++
		}
	}
	if denied == 0 || readable < 2 {
		t.Errorf("%d vaults deny the outsiders, %d let them read; the attack needs both", denied, readable)
	}
}

// Attack, as a second identity, touches decoys in several vaults, is
// refused where it has no permission, and honeyvault raises an incident
// naming it in every vault where it touched a decoy.
func TestAttackRaisesIncidents(t *testing.T) {
	l := startLab(t, Options{})
	var out strings.Builder
	ctx := testContext(t)
	if err := Attack(ctx, AttackOptions{Dir: l.Dir(), As: "ci-runner", Out: &out}); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{`playing "ci-runner"`, "KeyGet", "SecretList", "200 OK", "403 Forbidden", "<- decoy",
		"4. Cover tracks", opDiagnosticSettingsDelete + " audit-to-seclogs", "200 OK (the audit log stops here)", tamperTitle,
		"5. Use stolen values", "canary:http", "GET http://127.0.0.1:", "canary:dns", "NXDOMAIN", "canary:postgres", "28P01",
		"canary:entra", "sign in as app ", "signed in (a service principal with no permissions)", "4 uses of a decoy's value outside Key Vault",
		"6. Beyond Azure", vaultCluster + "/", "vault:read", awsAccount + "/", "GetSecretValue"} {
		if !strings.Contains(text, want) {
			t.Errorf("attack output lacks %q:\n%s", want, text)
		}
	}
	// The Key Vaults where the attack touched a decoy, from its own report
	// (a Vault mount's or Secrets Manager region's name has a slash: step
	// 6's incidents are checked below).
	touched := map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		if strings.HasSuffix(line, "<- decoy") && !strings.Contains(strings.Fields(line)[0], "/") {
			touched[strings.Fields(line)[0]] = true
		}
	}
	if len(touched) < 3 {
		t.Fatalf("decoys touched in %d vaults; want at least 3:\n%s", len(touched), text)
	}
	// The vault whose diagnostic setting step 4 deleted: its incident is
	// the tamper alert's (the decoy read after it is never seen).
	covered := ""
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, opDiagnosticSettingsDelete) && strings.HasSuffix(line, "<- covers the tracks") {
			covered = strings.Fields(line)[0]
		}
	}
	if covered == "" {
		t.Fatalf("step 4 deleted no diagnostic setting:\n%s", text)
	}
	hv, err := client.New(l.URL(), l.AdminToken())
	if err != nil {
		t.Fatal(err)
	}
	oid := strings.ToLower(outsiders[1].Identity.ObjectID)
	deadline := time.Now().Add(DefaultWait)
	for {
		list, err := hv.ListIncidents(ctx, client.IncidentQuery{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		tamper := false
		for _, inc := range list.Incidents {
			if inc.Caller == oid {
				got[inc.Vault] = true
				tamper = tamper || (inc.Vault == covered && inc.Title == tamperTitle)
			}
		}
		missing := []string{}
		if !tamper {
			missing = append(missing, covered+" (the tamper incident)")
		}
		for v := range touched {
			if !got[v] {
				missing = append(missing, v)
			}
		}
		if len(missing) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no incident naming ci-runner in %v", missing)
		}
		time.Sleep(pollEvery)
	}

	// Step 5's uses of the values it read: one alert each, from the
	// address the listeners saw.
	awaitCanaryAlerts(t, hv)
	// Step 6's reads beyond Azure: an incident in a Vault mount naming
	// ci-runner's entity, one in a Secrets Manager region naming its
	// session.
	awaitStoreAlerts(t, hv, outsiders[1])

	// The setting stays deleted: a second attack says so.
	out.Reset()
	if err := Attack(ctx, AttackOptions{Dir: l.Dir(), As: "ci-runner", Out: &out}); err != nil {
		t.Fatal(err)
	}
	if want := covered + " has no diagnostic setting left to delete"; !strings.Contains(out.String(), want) {
		t.Errorf("second attack lacks %q:\n%s", want, out.String())
	}
}

func TestAttackErrors(t *testing.T) {
	l := startLab(t, Options{Vaults: 1})
	// A lab killed with -9 leaves its state behind, pointing at nothing.
	stale := t.TempDir()
	gone, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone.Close()
	st := *l.state
	st.Emulator = gone.Addr().String()
	if err := writeState(stale, &st); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		o    AttackOptions
		want string
	}{
		{"no lab", AttackOptions{Dir: t.TempDir()}, "no lab is running"},
		{"stale state", AttackOptions{Dir: stale}, "does not answer"},
		{"unknown identity", AttackOptions{Dir: l.Dir(), As: "mallory"}, `no identity "mallory"`},
		{"unknown vault", AttackOptions{Dir: l.Dir(), Vault: "kv-nope"}, `no vault "kv-nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			tt.o.Out = &out
			err := Attack(testContext(t), tt.o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v; want %q", err, tt.want)
			}
			if out.Len() > 0 {
				t.Errorf("an attack that could not start printed %q", out.String())
			}
		})
	}
}

// The lab's honeyvault discovers the lab's estate before Start returns:
// every vault is in the inventory, covered where the lab planted a secret
// and a key and their records arrived, and the new team's vault, created
// after the planting, not covered and saying why. The summary tells the
// same story from the server's count.
func TestLabDiscoversItsVaults(t *testing.T) {
	l := startLab(t, Options{})
	hv, err := client.New(l.URL(), l.AdminToken())
	if err != nil {
		t.Fatal(err)
	}
	list, err := hv.ListVaults(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	// The Key Vaults, and the Vault mounts and Secrets Manager regions
	// recorded with secretstore.Discover.
	stores := len(vaultMounts) + len(awsRegions)
	if len(list.Vaults) != len(l.Vaults())+stores || len(l.Vaults()) != DefaultVaults || len(l.Stores()) != stores {
		t.Fatalf("%d vaults discovered; the lab has %d and %d stores", len(list.Vaults), len(l.Vaults()), len(l.Stores()))
	}
	groups := map[string]string{}
	for _, s := range list.Subscriptions {
		groups[s.ID] = s.Name
	}
	if len(list.Subscriptions) != 4 || groups[vaultCluster] != vaultGroupName || groups[awsAccount] != awsGroupName {
		t.Errorf("subscriptions: %+v; want the two subscriptions, the Vault cluster and the AWS account", list.Subscriptions)
	}
	providers := map[string]int{}
	for _, v := range list.Vaults {
		providers[v.Provider]++
	}
	if providers["hashicorp-vault"] != len(vaultMounts) || providers["aws-secretsmanager"] != len(awsRegions) {
		t.Errorf("stores by provider %v; want %d Vault mounts and %d Secrets Manager regions", providers, len(vaultMounts), len(awsRegions))
	}
	for _, s := range l.Stores() {
		if len(s.Decoys) == 0 {
			t.Errorf("store %s: no decoy planted", s.Name)
		}
	}
	newcomers := 0
	for _, v := range list.Vaults {
		want := "covered"
		if v.Name == "kv-fraud-ml-prod" {
			newcomers++
			want = "not-covered"
			if len(v.Coverage.Reasons) == 0 || !strings.HasPrefix(v.Coverage.Reasons[0], "no decoy planted") {
				t.Errorf("%s: reasons %q; want no decoy planted", v.Name, v.Coverage.Reasons)
			}
		}
		if v.Coverage.State != want {
			t.Errorf("%s: %s, %q; want %s", v.Name, v.Coverage.State, v.Coverage.Reasons, want)
		}
	}
	if newcomers != 1 {
		t.Errorf("%d newcomer vaults in the inventory; want 1", newcomers)
	}
	if got, want := l.Coverage(), "10 of 11 vaults covered"; got != want {
		t.Errorf("Coverage() = %q; want %q", got, want)
	}
	var sum strings.Builder
	l.WriteSummary(&sum, "honeyvault")
	for _, want := range []string{
		"console:       " + l.URL() + "/vaults — 10 of 11 vaults covered",
		"HashiCorp Vault " + vaultGroupName, vaultCluster + "/secret", vaultCluster + "/kv/platform",
		"AWS Secrets Manager " + awsGroupName, awsAccount + "/eu-west-1", awsAccount + "/us-east-1",
		"kv-fraud-ml-prod", "state:   not covered: no decoy planted",
		"a new team created this vault after the planting",
	} {
		if !strings.Contains(sum.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, sum.String())
		}
	}
}

// awaitCanaryAlerts waits (with a deadline) until the incidents hold an
// alert of each canary kind from 127.0.0.1 — the Entra ID canary's from
// the emulator's sign-in log — and fails on more than one.
func awaitCanaryAlerts(t *testing.T, hv *client.Client) {
	t.Helper()
	ctx := testContext(t)
	deadline := time.Now().Add(DefaultWait)
	for {
		list, err := hv.ListIncidents(ctx, client.IncidentQuery{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, inc := range list.Incidents {
			d, err := hv.GetIncident(ctx, inc.ID, "")
			if err != nil {
				t.Fatal(err)
			}
			for _, al := range d.Alerts {
				if strings.HasPrefix(al.Operation, "canary:") && al.Caller.IP == "127.0.0.1" {
					got[al.Operation]++
				}
			}
		}
		if got["canary:http"] == 1 && got["canary:dns"] == 1 && got["canary:postgres"] == 1 && got["canary:entra"] == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("canary alerts %v; want one of each kind", got)
		}
		time.Sleep(pollEvery)
	}
}

// awaitStoreAlerts waits (with a deadline) until the incidents hold a
// vault:read alert naming o's Vault entity in a mount of the lab's
// cluster and a GetSecretValue alert naming o's role session in a region
// of the lab's account.
func awaitStoreAlerts(t *testing.T, hv *client.Client, o outsider) {
	t.Helper()
	ctx := testContext(t)
	session := "arn:aws:sts::" + awsAccount + ":assumed-role/" + awsReaderRole + "/" + o.AWSSession
	deadline := time.Now().Add(DefaultWait)
	for {
		list, err := hv.ListIncidents(ctx, client.IncidentQuery{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		vaultRead, getSecretValue := false, false
		for _, inc := range list.Incidents {
			d, err := hv.GetIncident(ctx, inc.ID, "")
			if err != nil {
				t.Fatal(err)
			}
			for _, al := range d.Alerts {
				switch {
				case al.Operation == opVaultRead && al.Caller.ObjectID == vaultEntity(o) && strings.HasPrefix(al.VaultID, "vault://"+vaultCluster+"/"):
					vaultRead = true
				case al.Operation == opGetSecretValue && al.Caller.UPN == session && strings.HasPrefix(al.VaultID, "arn:aws:secretsmanager:") && strings.HasSuffix(al.VaultID, ":"+awsAccount):
					getSecretValue = true
				}
			}
		}
		if vaultRead && getSecretValue {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("vault:read alert %v, GetSecretValue alert %v; want both naming %s", vaultRead, getSecretValue, o.Name)
		}
		time.Sleep(pollEvery)
	}
}
