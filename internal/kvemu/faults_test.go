package kvemu

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
)

func TestThrottleRetriedBySDK(t *testing.T) {
	env := newTestEnv(t, Options{})
	ctx := ctxT(t)
	if err := env.e.SetFaults(apVault, Faults{ThrottleNext: 2, RetryAfter: 3 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	c := env.secrets(t, apVault, admin)
	if _, err := c.SetSecret(ctx, "s", azsecrets.SetSecretParameters{Value: ptr("v")}, nil); err != nil {
		t.Fatalf("SetSecret through two 429s: %v", err)
	}
	var statuses []int
	for _, r := range env.auditRecords(t) {
		if r.OperationName == "SecretSet" {
			statuses = append(statuses, r.Properties.HTTPStatusCode)
		}
	}
	if got, want := len(statuses), 3; got != want || statuses[0] != 429 || statuses[1] != 429 || statuses[2] != 200 {
		t.Errorf("SecretSet statuses: %v; want [429 429 200]", statuses)
	}
	r := env.lastAudit(t, "SecretSet")
	if r.Properties.ID == "" {
		t.Error("the successful retry has no properties.id")
	}

	// More 429s than the SDK's three retries: the call fails with 429.
	if err := env.e.SetFaults(apVault, Faults{ThrottleNext: 10, RetryAfter: time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetSecret(ctx, "s", "", nil); !isStatus(err, http.StatusTooManyRequests, "Throttled") {
		t.Errorf("persistent throttling: %v", err)
	}
}

func TestServerErrorsRetriedBySDK(t *testing.T) {
	env := newTestEnv(t, Options{})
	if err := env.e.SetFaults(apVault, Faults{ServerErrorNext: 1, Latency: 20 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.e.SeedSecret(apVault, SecretSeed{Name: "s", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.secrets(t, apVault, admin).GetSecret(ctxT(t), "s", "", nil); err != nil {
		t.Fatalf("GetSecret through a 503: %v", err)
	}
	recs := env.auditRecords(t)
	if got := recs[len(recs)-2].Properties.HTTPStatusCode; got != 503 {
		t.Errorf("first attempt: got %d; want 503", got)
	}
	ms, _ := strconv.Atoi(recs[len(recs)-1].DurationMs)
	if ms < 20 {
		t.Errorf("durationMs %d does not include the injected latency", ms)
	}
}

// TestKeyCreateLimit checks the per-vault create limit: the window is
// counted on the emulator's clock, so the test moves time instead of
// sleeping.
func TestKeyCreateLimit(t *testing.T) {
	env := newTestEnv(t, Options{})
	ctx := ctxT(t)
	if err := env.e.SetFaults(apVault, Faults{Limits: Limits{KeyCreate: 3}}); err != nil {
		t.Fatal(err)
	}
	opts := &azkeys.ClientOptions{ClientOptions: env.clientOptions()}
	opts.Retry = policy.RetryOptions{MaxRetries: 2, RetryDelay: time.Millisecond, MaxRetryDelay: 100 * time.Millisecond}
	c, err := azkeys.NewClient(env.e.VaultURL(apVault), env.e.Credential(admin), opts)
	if err != nil {
		t.Fatal(err)
	}
	create := func(name string) error {
		_, err := c.CreateKey(ctx, name, azkeys.CreateKeyParameters{Kty: ptr(azkeys.KeyTypeEC)}, nil)
		return err
	}
	for i := range 3 {
		if err := create("k" + strconv.Itoa(i)); err != nil {
			t.Fatalf("create %d: %v", i, err)
		}
	}
	env.clk.Advance(4 * time.Second)
	// Retry-After (about 6 s) exceeds the client's MaxRetryDelay, so the
	// SDK gives up at once, as it would in Azure.
	if err := create("k3"); !isStatus(err, http.StatusTooManyRequests, "Throttled") {
		t.Fatalf("fourth create in the window: %v", err)
	}
	// Reads are not creates and go on.
	if _, err := c.GetKey(ctx, "k0", "", nil); err != nil {
		t.Errorf("get while creates are throttled: %v", err)
	}
	env.clk.Advance(6 * time.Second)
	if err := create("k3"); err != nil {
		t.Errorf("create after the window moved on: %v", err)
	}
}

func TestLimiterWindow(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var l limiter
	lim := Limits{SecretCreate: 2}
	steps := []struct {
		at       time.Duration
		ok       bool
		wantWait time.Duration
	}{
		{0, true, 0},
		{time.Second, true, 0},
		{2 * time.Second, false, 8 * time.Second},
		{10 * time.Second, true, 0}, // the first hit left the window
		{10500 * time.Millisecond, false, 500 * time.Millisecond},
	}
	for i, s := range steps {
		ok, wait := l.take(lim, classSecretCreate, t0.Add(s.at))
		if ok != s.ok || wait != s.wantWait {
			t.Errorf("step %d: got (%v, %v); want (%v, %v)", i, ok, wait, s.ok, s.wantWait)
		}
	}
	if ok, _ := l.take(Limits{SecretCreate: -1}, classSecretCreate, t0); !ok {
		t.Error("a negative limit should disable the limit")
	}
}

func TestErrThrottledHeaders(t *testing.T) {
	tests := []struct {
		wait         time.Duration
		retryAfter   string
		retryAfterMS string
	}{
		{2 * time.Second, "2", ""},
		{1500 * time.Millisecond, "2", "1500"},
		{3 * time.Millisecond, "1", "3"},
	}
	for _, tt := range tests {
		h := errThrottled(tt.wait).header
		if got := h.Get("Retry-After"); got != tt.retryAfter {
			t.Errorf("%v: Retry-After got %q; want %q", tt.wait, got, tt.retryAfter)
		}
		if got := h.Get("x-ms-retry-after-ms"); got != tt.retryAfterMS {
			t.Errorf("%v: x-ms-retry-after-ms got %q; want %q", tt.wait, got, tt.retryAfterMS)
		}
	}
}

// TestThrottleRateSeeded checks rate-based throttling is repeatable with a
// seed and near its rate.
func TestThrottleRateSeeded(t *testing.T) {
	env := newTestEnv(t, Options{})
	run := func() []bool {
		if err := env.e.SetFaults(apVault, Faults{ThrottleRate: 0.3, Seed: 42}); err != nil {
			t.Fatal(err)
		}
		v, _ := env.e.lookupVault(apVault)
		var out []bool
		for range 200 {
			_, _, err := v.injectFault(classOther, env.clk.Now())
			out = append(out, err != nil)
		}
		return out
	}
	a, b := run(), run()
	n := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("draw %d differs between runs with the same seed", i)
		}
		if a[i] {
			n++
		}
	}
	if n < 30 || n > 90 {
		t.Errorf("%d of 200 throttled at rate 0.3", n)
	}
}

// TestSubscriptionCreateLimit checks the subscription-wide limit: five
// times the vault limit across the vaults of a subscription and region.
func TestSubscriptionCreateLimit(t *testing.T) {
	env := newTestEnv(t, Options{})
	ctx := ctxT(t)
	var names []string
	for i := range 3 {
		name := "kv-many-" + strconv.Itoa(i)
		if _, err := env.e.CreateVault(VaultSpec{SubscriptionID: testSub, ResourceGroup: testRG, Name: name, Location: "northeurope",
			AccessPolicies: []AccessPolicy{{ObjectID: admin.ObjectID, Permissions: Permissions{Secrets: []string{"set"}}}}}); err != nil {
			t.Fatal(err)
		}
		if err := env.e.SetFaults(name, Faults{Limits: Limits{SecretCreate: 2, SubscriptionFactor: 2}}); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	opts := &azsecrets.ClientOptions{ClientOptions: env.clientOptions()}
	opts.Retry = policy.RetryOptions{MaxRetries: -1}
	set := func(vault, name string) error {
		c, err := azsecrets.NewClient(env.e.VaultURL(vault), env.e.Credential(admin), opts)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.SetSecret(ctx, name, azsecrets.SetSecretParameters{Value: ptr("v")}, nil)
		return err
	}
	// Two per vault, four per subscription and region: the third vault's
	// first create is over the subscription limit although its own is free.
	for _, step := range []struct {
		vault string
		ok    bool
	}{{names[0], true}, {names[0], true}, {names[0], false}, {names[1], true}, {names[1], true}, {names[2], false}} {
		err := set(step.vault, "s")
		if step.ok != (err == nil) {
			t.Errorf("%s: ok=%v, err=%v", step.vault, step.ok, err)
		}
	}
	env.clk.Advance(10 * time.Second)
	if err := set(names[2], "later"); err != nil {
		t.Errorf("after the window: %v", err)
	}
}
