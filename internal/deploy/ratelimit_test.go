package deploy

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"

	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/registry"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		method, path, body string
		want               class
	}{
		{method: "PUT", path: "/secrets/db-password", want: classSecretCreate},
		{method: "GET", path: "/secrets/db-password/", want: classOther},
		{method: "GET", path: "/secrets", want: classOther},
		{method: "PATCH", path: "/secrets/db-password/0123", want: classOther},
		{method: "POST", path: "/secrets/restore", want: classSecretCreate},
		{method: "PUT", path: "/keys/imported", want: classSecretCreate},
		{method: "POST", path: "/keys/signing/create", body: `{"kty":"RSA","key_size":2048}`, want: classKeyCreate},
		{method: "POST", path: "/keys/signing/create", body: `{"kty":"EC-HSM","crv":"P-256"}`, want: classHSMKeyCreate},
		{method: "POST", path: "/keys/signing/create", want: classKeyCreate}, // the challenge's empty probe
		{method: "POST", path: "/keys/signing/rotate", want: classKeyCreate},
		{method: "POST", path: "/Certificates/tls/Create", body: `{"policy":{"key_props":{"kty":"RSA-HSM"}}}`, want: classHSMKeyCreate},
		{method: "POST", path: "/certificates/tls/create", body: `{"policy":{"key_props":{"kty":"EC"}}}`, want: classKeyCreate},
		{method: "POST", path: "/certificates/tls/import", want: classSecretCreate},
		{method: "POST", path: "/keys/signing/0123/sign", want: classOther},
		{method: "DELETE", path: "/secrets/db-password", want: classOther},
	}
	for _, tt := range tests {
		req, err := runtime.NewRequest(context.Background(), tt.method, "https://kv.vault.azure.net"+tt.path+"?api-version=7.6")
		if err != nil {
			t.Fatal(err)
		}
		if tt.body != "" {
			if err := req.SetBody(streaming.NopCloser(strings.NewReader(tt.body)), "application/json"); err != nil {
				t.Fatal(err)
			}
		}
		if got := classify(req); got != tt.want {
			t.Errorf("%s %s %s: got %d; want %d", tt.method, tt.path, tt.body, got, tt.want)
		}
		if tt.body != "" {
			// The body is still there for the request.
			b := new(strings.Builder)
			if _, err := fmt.Fprint(b, readAll(t, req.Body())); err != nil || b.String() != tt.body {
				t.Errorf("%s: body after classify: %q", tt.path, b.String())
			}
		}
	}
}

func readAll(t *testing.T, r interface{ Read([]byte) (int, error) }) string {
	t.Helper()
	var sb strings.Builder
	buf := make([]byte, 512)
	for {
		n, err := r.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			return sb.String()
		}
	}
}

// A token bucket admits at most burst + rate·window in any window: that
// must never exceed the share of Key Vault's limit honeyvault uses.
func TestBucketsStayWithinTheBudget(t *testing.T) {
	for _, limit := range []int{1, 2, 10, 20, 50, 100, 300, 1500, 4000, 20000} {
		for _, headroom := range []float64{0.25, 0.5, 0.9, 1} {
			b := bucket(limit, 10*time.Second, headroom)
			admitted := float64(b.Burst()) + float64(b.Limit())*10
			budget := max(float64(int(float64(limit)*headroom)), 1)
			if budget > 1 && admitted > budget+1e-9 || budget == 1 && admitted > 2 {
				t.Errorf("limit %d, headroom %v: admits %.2f per window; budget %.0f", limit, headroom, admitted, budget)
			}
			if b.Burst() < 1 || b.Limit() <= 0 {
				t.Errorf("limit %d, headroom %v: burst %d, rate %v", limit, headroom, b.Burst(), b.Limit())
			}
		}
	}
}

func TestLimitsValidate(t *testing.T) {
	for _, l := range []Limits{{Headroom: 1.5}, {Headroom: -0.1}, {KeyCreate: -1}} {
		if err := l.Validate(); err == nil {
			t.Errorf("%+v: accepted", l)
		}
	}
	if err := (Limits{}).Validate(); err != nil {
		t.Errorf("zero limits: %v", err)
	}
}

func TestInjected429sAreAbsorbed(t *testing.T) {
	e := newEnv(t)
	var vaults []azure.Vault
	for i := range 4 {
		name := fmt.Sprintf("kv-busy-%d", i)
		vaults = append(vaults, e.vault(kvemu.VaultSpec{Name: name, AccessPolicies: policyFor(planterID, allPerms)}, "db-password", "api-key"))
		// EC keys: the vault's habit is learned, and RSA key generation
		// would only slow the emulator down.
		if _, err := e.emu.SeedKey(name, kvemu.KeySeed{Name: "orders-signing", Type: "EC"}); err != nil {
			t.Fatal(err)
		}
		if err := e.emu.SetFaults(name, kvemu.Faults{ThrottleRate: 0.3, RetryAfter: 20 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
	}
	d := e.deployer(plant.Settings{Types: []registry.Type{registry.Secret, registry.Key}, Quantity: plant.Quantity{P: 1, Max: 3}})
	// Azure's limits over a 1 s window instead of 10 s, to keep the test short.
	lim, err := NewLimiter(Limits{Window: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	d.Limiter = lim
	runs, err := d.Deploy(context.Background(), vaults, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		if r.Err != nil || len(r.Planted) != 6 {
			t.Errorf("%s: planted %d of 6: %v", r.Vault.Name, len(r.Planted), r.Err)
		}
		if got := len(e.decoys(r.Vault.Name)); got != 6 {
			t.Errorf("%s: %d registry rows; want 6", r.Vault.Name, got)
		}
	}
	throttled := 0
	for _, op := range e.auditOps() {
		if op.status == http.StatusTooManyRequests {
			throttled++
		}
	}
	if _, seen := d.Limiter.Stats(); throttled == 0 || seen == 0 {
		t.Errorf("no 429 was injected (audit %d, limiter %d): the test proves nothing", throttled, seen)
	}
}

func TestCreateLimitIsNeverExceeded(t *testing.T) {
	e := newEnv(t)
	const window = 400 * time.Millisecond
	var vaults []azure.Vault
	for i := range 2 {
		name := fmt.Sprintf("kv-limited-%d", i)
		vaults = append(vaults, e.vault(kvemu.VaultSpec{Name: name, AccessPolicies: policyFor(planterID, allPerms)}, "db-password"))
		if _, err := e.emu.SeedKey(name, kvemu.KeySeed{Name: "orders-signing", Type: "EC"}); err != nil {
			t.Fatal(err)
		}
		if err := e.emu.SetFaults(name, kvemu.Faults{Limits: kvemu.Limits{KeyCreate: 6, SecretCreate: 6, Window: window}}); err != nil {
			t.Fatal(err)
		}
	}
	d := e.deployer(plant.Settings{Types: []registry.Type{registry.Key}, Quantity: plant.Quantity{P: 1, Max: 8}})
	lim, err := NewLimiter(Limits{Window: window, KeyCreate: 6, SecretCreate: 6, HSMKeyCreate: 3, Headroom: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	d.Limiter = lim
	runs, err := d.Deploy(context.Background(), vaults, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		if r.Err != nil || len(r.Planted) != 8 {
			t.Errorf("%s: planted %d of 8: %v", r.Vault.Name, len(r.Planted), r.Err)
		}
	}
	// The emulator answers 429 to a create over its limit: there must be
	// none, and the creates it let through never crowd one window.
	creates := map[string][]string{}
	for _, op := range e.auditOps() {
		if op.op != "KeyCreate" {
			continue
		}
		if op.status == http.StatusTooManyRequests {
			t.Errorf("%s: a KeyCreate was over the vault's limit", op.vault)
		}
		creates[op.vault] = append(creates[op.vault], op.name)
	}
	for _, v := range vaults {
		if got := len(creates[v.Name]); got < 8 {
			t.Errorf("%s: %d KeyCreate records; want at least 8", v.Name, got)
		}
	}
}

func TestLongRetryAfter(t *testing.T) {
	e := newEnv(t)
	slow := e.vault(kvemu.VaultSpec{Name: "kv-slow", AccessPolicies: policyFor(planterID, allPerms)}, "db-password")
	stuck := e.vault(kvemu.VaultSpec{Name: "kv-stuck", AccessPolicies: policyFor(planterID, allPerms)}, "db-password")
	fine := e.vault(kvemu.VaultSpec{Name: "kv-fine", SubscriptionID: subB, AccessPolicies: policyFor(planterID, allPerms)}, "db-password")
	// Over the SDK's 60 s cap, so it gives up at once and honeyvault waits.
	if err := e.emu.SetFaults(slow.Name, kvemu.Faults{ThrottleNext: 3, RetryAfter: 75 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if err := e.emu.SetFaults(stuck.Name, kvemu.Faults{ThrottleNext: 1000, RetryAfter: 10 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	d := e.deployer(plant.Settings{})
	d.MaxThrottleWait = 2 * time.Minute
	d.Limiter.sleep = e.sleeps.sleep
	runs, err := d.Deploy(context.Background(), []azure.Vault{slow, stuck, fine}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*VaultRun{}
	for _, r := range runs {
		got[r.Vault.Name] = r
	}
	if r := got[slow.Name]; r.Err != nil || len(r.Planted) != 1 {
		t.Errorf("slow vault: planted %d: %v", len(r.Planted), r.Err)
	}
	if r := got[stuck.Name]; r.Err == nil || !strings.Contains(r.Err.Error(), "asks to wait 10m0s, longer than the 2m0s honeyvault waits") || len(r.Planted) != 0 {
		t.Errorf("stuck vault: got %v", r.Err)
	}
	if r := got[fine.Name]; r.Err != nil || len(r.Planted) != 1 {
		t.Errorf("fine vault: planted %d: %v", len(r.Planted), r.Err)
	}
	if !e.sleeps.waited(75 * time.Second) {
		t.Errorf("no wait of the 75s Retry-After")
	}
	if n := len(e.decoys(stuck.Name)); n != 0 {
		t.Errorf("the stuck vault has %d registry rows", n)
	}
}

func TestInterleaveSpreadsSubscriptions(t *testing.T) {
	var runs []*VaultRun
	for _, s := range []string{"a", "a", "a", "b", "c", "c"} {
		runs = append(runs, &VaultRun{Vault: azure.Vault{SubscriptionID: s, Name: s + fmt.Sprint(len(runs))}})
	}
	var got []string
	for _, r := range interleave(runs) {
		got = append(got, r.Vault.Name)
	}
	if want := "a0,b3,c4,a1,c5,a2"; strings.Join(got, ",") != want {
		t.Errorf("got %s; want %s", strings.Join(got, ","), want)
	}
	sort.Strings(got)
	if len(got) != len(runs) {
		t.Errorf("lost runs")
	}
}
