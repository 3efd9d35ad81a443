// Package plantbench measures planting at scale against the Key Vault
// emulator: many vaults across subscriptions, 3 decoys each (a secret, a key
// and a certificate), with 429s injected into every vault. It checks that
// every vault ends correct and complete and that no vault or subscription
// was ever sent more creates than Key Vault allows, and reports the wall
// time.
//
// CI runs the small version (20 vaults). The full run:
//
//	go test ./bench/plant -run TestPlant -v -timeout 30m -args -vaults 1000 -subs 20 -concurrency 64
//
// (bench/plant/run.sh does that.)
package plantbench

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/deploy"
	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

var (
	numVaults   = flag.Int("vaults", 20, "vaults to plant into")
	numSubs     = flag.Int("subs", 4, "subscriptions the vaults are spread over")
	concurrency = flag.Int("concurrency", 16, "vaults worked on at once")
	dbFlag      = flag.String("db", "", "database (default: a SQLite file in a temp dir)")
	throttleAt  = flag.Int("throttle", 2, "429s injected into each vault when it is listed, and again when its creates start")
	retryAfter  = flag.Duration("retry-after", 200*time.Millisecond, "Retry-After of the injected 429s")
	ecCerts     = flag.Bool("ec-certs", false, "seed each vault with an EC certificate, so that planted certificates are EC too (the emulator's RSA key generation, ~75 ms of CPU each, then stops dominating)")
)

const auditDst = "/subscriptions/00000000-0000-4000-8000-000000000000/resourceGroups/rg-logs/providers/Microsoft.Storage/storageAccounts/stbench"

var planter = kvemu.Identity{ObjectID: "aaaaaaaa-1111-4111-8111-000000000001", UPN: "planter@contoso.com", AppID: "04b07795-8ddb-461a-bbee-02f9e1bf7b46"}

// styles are the existing names vaults are seeded with, one style each.
var styles = [][]string{
	{"orders-db-password", "orders-api-key", "orders-storage-connection-string", "orders-smtp-password"},
	{"Billing--ConnectionStrings--Sql", "Billing--Stripe--ApiKey", "Billing--Smtp--Password", "Billing--Jwt--SigningKey"},
	{"PaymentsApiKey", "PaymentsDbPassword", "PaymentsRedisConnection", "StripeWebhookSecret"},
	{"SQL-PASSWORD-PROD", "API-KEY-PROD", "SMTP-PASSWORD-PROD", "STORAGE-KEY-PROD"},
}

func TestPlant(t *testing.T) {
	ctx := context.Background()
	emu, err := kvemu.New(kvemu.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.Start(); err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	audit := kvemu.NewMemorySink(0)
	if err := emu.RegisterDestination(auditDst, audit, kvemu.DeliveryOptions{MaxBatch: 1000}); err != nil {
		t.Fatal(err)
	}

	// The estate: vaults spread over subscriptions, each with a few secrets
	// in one of the styles and an EC key (whose type the planter learns:
	// the emulator generates real key material, and RSA would make its CPU
	// the bottleneck of the benchmark).
	setupStart := time.Now()
	perm := kvemu.Permissions{Secrets: []string{"all"}, Keys: []string{"all"}, Certificates: []string{"all"}}
	var vaults []azure.Vault
	injected := map[string]int{}
	subOf := map[string]string{}
	for i := range *numVaults {
		sub := fmt.Sprintf("%08d-0000-4000-8000-%012d", i%*numSubs+1, i%*numSubs+1)
		name := fmt.Sprintf("kv-app%04d-prod", i)
		info, err := emu.CreateVault(kvemu.VaultSpec{SubscriptionID: sub, ResourceGroup: "rg-apps", Name: name,
			AccessPolicies: []kvemu.AccessPolicy{{TenantID: kvemu.DefaultTenantID, ObjectID: planter.ObjectID, Permissions: perm}}})
		if err != nil {
			t.Fatal(err)
		}
		subOf[name] = sub
		for _, s := range styles[i%len(styles)] {
			if _, err := emu.SeedSecret(name, kvemu.SecretSeed{Name: s, Value: "real"}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := emu.SeedKey(name, kvemu.KeySeed{Name: "data-protection", Type: "EC", Curve: "P-256"}); err != nil {
			t.Fatal(err)
		}
		if *ecCerts {
			if _, err := emu.SeedCertificate(name, kvemu.CertificateSeed{Name: "gateway-tls", Subject: "CN=gateway.contoso.com", KeyType: "EC"}); err != nil {
				t.Fatal(err)
			}
		}
		if err := emu.SetDiagnosticSetting(name, kvemu.DiagnosticSetting{Name: "audit", StorageAccountID: auditDst,
			Logs: []kvemu.LogSettings{{CategoryGroup: "audit", Enabled: true}}}); err != nil {
			t.Fatal(err)
		}
		// The first requests of every vault (its list calls) are throttled.
		if err := emu.SetFaults(name, kvemu.Faults{ThrottleNext: *throttleAt, RetryAfter: *retryAfter}); err != nil {
			t.Fatal(err)
		}
		injected[name] = *throttleAt
		vaults = append(vaults, azure.Vault{ID: info.ID, Name: name})
	}

	co := emu.ClientOptions()
	co.Cloud = emu.Cloud()
	// The SDK's default retries (3, 800 ms base, a minute's cap), as in
	// production; only the transport and cloud point at the emulator.
	co.Retry = azure.Options{}.ClientOptions.Retry
	dsn := *dbFlag
	if dsn == "" {
		dsn = "sqlite:" + filepath.Join(t.TempDir(), "hv.db")
	}
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg := defaultPlant()
	cfg.Concurrency = *concurrency
	d, err := deploy.Setup(ctx, cfg, st, deploy.Overrides{Credential: emu.Credential(planter), ClientOptions: &co}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Discovery as production does it: every vault of every subscription.
	targets, warnings, err := deploy.Targets(ctx, d.Azure, nil, nil, true)
	if err != nil || len(warnings) > 0 {
		t.Fatal(err, warnings)
	}
	if len(targets) != *numVaults {
		t.Fatalf("discovered %d vaults; want %d", len(targets), *numVaults)
	}
	t.Logf("estate of %d vaults in %d subscriptions set up in %s", *numVaults, *numSubs, time.Since(setupStart).Round(time.Millisecond))

	// When a vault's plan is made, its next requests (the creates) are
	// throttled too.
	var mu sync.Mutex
	progress := func(p deploy.Progress) {
		if p.Phase != deploy.PhasePlanned || *throttleAt == 0 {
			return
		}
		if err := emu.SetFaults(p.Vault, kvemu.Faults{ThrottleNext: *throttleAt, RetryAfter: *retryAfter}); err != nil {
			t.Error(err)
		}
		mu.Lock()
		injected[p.Vault] += *throttleAt
		mu.Unlock()
	}
	start := time.Now()
	runs, err := d.Deploy(ctx, targets, progress)
	wall := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	requests, throttled := d.Limiter.Stats()

	// Every vault correct and complete.
	failed := 0
	for _, r := range runs {
		if r.Err != nil || len(r.Planted) != 3 || len(r.Unsettled) != 0 {
			failed++
			if failed <= 5 {
				t.Errorf("%s: planted %d of 3, %d unsettled: %v", r.Vault.Name, len(r.Planted), len(r.Unsettled), r.Err)
			}
		}
	}
	all, err := st.PlantedDecoys(ctx, store.DecoyFilter{})
	if err != nil {
		t.Fatal(err)
	}
	perVault := map[string]map[registry.Type]int{}
	for _, pd := range all {
		if perVault[pd.VaultName] == nil {
			perVault[pd.VaultName] = map[registry.Type]int{}
		}
		perVault[pd.VaultName][pd.Type]++
		if pd.Planting == nil || pd.Planting.State != store.Planted || pd.Status != registry.Active {
			t.Errorf("%s: %s not planted: %+v", pd.VaultName, pd.Type, pd.Planting)
		}
		if o, found, _ := emu.Object(pd.VaultName, string(pd.Type), pd.Name); !found || o.Deleted || !o.Enabled {
			t.Errorf("%s: %s recorded but not live in the vault", pd.VaultName, pd.Type)
		}
		for _, s := range styles {
			for _, existing := range s {
				if strings.EqualFold(existing, pd.Name) {
					t.Errorf("%s: a decoy took the existing name %q", pd.VaultName, existing)
				}
			}
		}
	}
	for _, v := range vaults {
		if c := perVault[v.Name]; c[registry.Secret] != 1 || c[registry.Key] != 1 || c[registry.Certificate] != 1 {
			t.Errorf("%s: registry holds %v; want one of each type", v.Name, c)
		}
	}

	// Never above a limit: every 429 in the audit log is one we injected
	// (the emulator answers 429 to a request over the vault's limit), and
	// no 10 s window holds more creates than Key Vault allows, per vault
	// and per subscription.
	if err := emu.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	got429 := map[string]int{}
	creates := map[string][]time.Time{} // vault|class → attempt times
	subCreates := map[string][]time.Time{}
	for _, rec := range audit.Records() {
		var ar kvemu.AuditRecord
		if err := json.Unmarshal(rec.JSON, &ar); err != nil {
			t.Fatal(err)
		}
		name, _ := registry.VaultNameFromID(ar.ResourceID)
		name = strings.ToLower(name)
		if ar.Properties.HTTPStatusCode == http.StatusTooManyRequests {
			got429[name]++
		}
		class := map[string]string{"SecretSet": "secret", "KeyCreate": "key", "CertificateCreate": "key"}[ar.OperationName]
		if class == "" {
			continue
		}
		at, err := time.Parse(kvemu.TimeLayout, ar.Time)
		if err != nil {
			t.Fatal(err)
		}
		creates[name+"|"+class] = append(creates[name+"|"+class], at)
		subCreates[subOf[name]+"|"+class] = append(subCreates[subOf[name]+"|"+class], at)
	}
	over := 0
	totalInjected, total429 := 0, 0
	for _, v := range vaults {
		totalInjected += injected[v.Name]
		total429 += got429[v.Name]
		if got429[v.Name] != injected[v.Name] {
			over++
			if over <= 5 {
				t.Errorf("%s: %d 429s in its audit log, %d injected: the emulator turned creates away for the limit", v.Name, got429[v.Name], injected[v.Name])
			}
		}
	}
	limit := map[string]int{"secret": 300, "key": 20}
	maxVault, maxSub := map[string]int{}, map[string]int{}
	for k, ts := range creates {
		class := k[strings.IndexByte(k, '|')+1:]
		if n := maxInWindow(ts, 10*time.Second); n > maxVault[class] {
			maxVault[class] = n
		}
	}
	for k, ts := range subCreates {
		class := k[strings.IndexByte(k, '|')+1:]
		if n := maxInWindow(ts, 10*time.Second); n > maxSub[class] {
			maxSub[class] = n
		}
	}
	for class, l := range limit {
		if maxVault[class] > l || maxSub[class] > 5*l {
			t.Errorf("%s creates: at most %d in 10 s in a vault (limit %d), %d in a subscription (limit %d)", class, maxVault[class], l, maxSub[class], 5*l)
		}
	}

	// Again: every vault is covered, nothing is created.
	againStart := time.Now()
	runs, err = d.Deploy(ctx, targets, nil)
	again := time.Since(againStart)
	if err != nil {
		t.Fatal(err)
	}
	added := 0
	for _, r := range runs {
		added += len(r.Planted)
		if r.Err != nil {
			t.Errorf("second run, %s: %v", r.Vault.Name, r.Err)
		}
	}
	if added != 0 {
		t.Errorf("the second run planted %d decoys; want 0", added)
	}

	t.Logf("planted %d decoys in %d vaults (%d subscriptions, concurrency %d) in %s: %.0f decoys/s; %d vaults failed",
		len(all), len(runs), *numSubs, *concurrency, wall.Round(time.Millisecond), float64(len(all))/wall.Seconds(), failed)
	t.Logf("429s: %d injected, %d in the audit log, %d seen by the limiter; requests sent %d; vaults whose log shows a 429 not injected: %d",
		totalInjected, total429, throttled, requests, over)
	t.Logf("most creates in any 10 s: per vault secret %d (limit 300), key+certificate %d (limit 20); per subscription secret %d (limit 1500), key+certificate %d (limit 100)",
		maxVault["secret"], maxVault["key"], maxSub["secret"], maxSub["key"])
	t.Logf("second run (idempotence): %d vaults checked, 0 planted, in %s", len(runs), again.Round(time.Millisecond))
}

// maxInWindow is the most times within any span of length w.
func maxInWindow(ts []time.Time, w time.Duration) int {
	sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
	best, lo := 0, 0
	for hi := range ts {
		for ts[hi].Sub(ts[lo]) >= w {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}
