package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/auth"
	"github.com/honeyvault/honeyvault/internal/coverage"
	"github.com/honeyvault/honeyvault/internal/store"
)

// recordFor stores one audit record of kv-pay at the env's present, so
// that kv-pay's logging counts as arriving.
func (e *env) recordFor(vaultID, vaultName string) {
	e.t.Helper()
	ev := auditlog.Event{Kind: auditlog.KindAudit, Time: e.clk.Now(), VaultID: vaultID, VaultName: vaultName,
		Operation: "SecretList", HTTPStatus: 200, CorrelationID: "corr-" + vaultName, Caller: auditlog.Caller{ObjectID: "app-oid"}}
	if _, err := e.st.Accept(context.Background(), []store.Batch{{Source: "test", Events: []auditlog.Event{ev}}}, nil); err != nil {
		e.t.Fatal(err)
	}
}

func mustContain(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func mustNotContain(t *testing.T, what, body string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(body, b) {
			t.Errorf("%s shows %q", what, b)
		}
	}
}

// /vaults groups the vaults by subscription with their counts, shows each
// state in words, filters by the URL, and /vaults/{id} says why.
func TestVaultsPage(t *testing.T) {
	e := newEnv(t)
	e.seedVaults()
	e.recordFor(envVaultPay, "kv-pay")
	analyst := e.token(auth.Analyst)

	resp, body := e.request(nil, "GET", "/vaults", analyst, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("/vaults: %d", resp.StatusCode)
	}
	mustContain(t, "/vaults", body, "1 of 3 vaults covered", "Contoso Payments", "1 of 2 vaults covered", "Contoso HR", "0 of 1 vault covered",
		"●</span> covered", "▲</span> at risk", "○</span> not covered", "kv-legacy-batch", "no decoy planted", "no audit record of this vault",
		`href="/vaults/subscriptions/`+envSubPay+`/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-pay"`)
	mustNotContain(t, "/vaults", body, ownDecoy, foreignDecoy, "Discover vaults now")
	if strings.Index(body, "Contoso HR") > strings.Index(body, "Contoso Payments") {
		t.Errorf("subscriptions are not in name order")
	}

	// A later run cannot list the HR subscription: its error is shown.
	if _, err := e.st.RecordDiscovery(context.Background(), store.Discovery{At: goldenClock.Add(time.Hour),
		Subscriptions: []store.Subscription{{ID: envSubHR, Error: "403 AuthorizationFailed: no Reader role"}}}); err != nil {
		t.Fatal(err)
	}
	_, body = e.request(nil, "GET", "/vaults?q=pay", analyst, nil)
	mustContain(t, "/vaults with a failing subscription", body, "Subscriptions that could not be listed", "Contoso HR", "403 AuthorizationFailed: no Reader role")

	_, body = e.request(nil, "GET", "/vaults?state=not-covered&q=batch", analyst, nil)
	mustContain(t, "filtered", body, "kv-legacy-batch", `value="batch"`, "Clear filters")
	mustNotContain(t, "filtered", body, ">kv-pay<", ">kv-hr<")
	_, body = e.request(nil, "GET", "/vaults?q=nothing-like-this", analyst, nil)
	mustContain(t, "no match", body, "No vault matches these filters")
	for _, q := range []string{"?state=green", "?sort=size", "?page=0"} {
		if resp, _ := e.request(nil, "GET", "/vaults"+q, analyst, nil); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("/vaults%s: %d; want 400", q, resp.StatusCode)
		}
	}

	_, body = e.request(nil, "GET", "/vaults"+envVaultPay, analyst, nil)
	mustContain(t, "kv-pay's page", body, "●</span> covered", "Why it is covered", "1 active decoy (secret)", ownDecoy, "westeurope", "team=payments",
		"Open in the Azure portal", "No incident on this vault",
		"Newest audit records", "<code>SecretList</code>", "app-oid")
	_, body = e.request(nil, "GET", "/vaults"+envVaultEmpty, analyst, nil)
	mustContain(t, "kv-legacy-batch's page", body, "○</span> not covered", "planting cannot work here yet: missing secrets/set", "honeyvault plant --vault kv-legacy-batch",
		"No audit record of this vault within the retention period")
	if resp, _ := e.request(nil, "GET", "/vaults/subscriptions/"+envSubPay+"/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-nope", analyst, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown vault: %d; want 404", resp.StatusCode)
	}
}

// An owner sees its own vaults only; nobody signed out sees anything.
func TestVaultsPageScope(t *testing.T) {
	e := newEnv(t)
	e.seedVaults()
	owner := e.token(auth.Owner, "kv-pay")
	_, body := e.request(nil, "GET", "/vaults", owner, nil)
	mustContain(t, "owner's /vaults", body, "0 of 1 vault covered", "kv-pay")
	mustNotContain(t, "owner's /vaults", body, "kv-hr", "kv-legacy-batch", "Contoso HR")
	if resp, body := e.request(nil, "GET", "/vaults"+envVaultHR, owner, nil); resp.StatusCode != http.StatusNotFound || strings.Contains(body, foreignDecoy) {
		t.Errorf("owner on kv-hr's page: %d", resp.StatusCode)
	}
	_, body = e.request(nil, "GET", "/vaults"+envVaultPay, owner, nil)
	mustContain(t, "owner on kv-pay", body, ownDecoy)
	mustNotContain(t, "owner on kv-pay", body, "Recent incidents")
	for _, p := range []string{"/vaults", "/vaults" + envVaultPay} {
		resp, body := e.request(nil, "GET", p, "", nil)
		if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusFound {
			t.Errorf("signed out %s: %d; want a redirect to sign in", p, resp.StatusCode)
		}
		mustNotContain(t, "signed out "+p, body, ownDecoy, "covered")
	}
}

// A new install's /vaults says how to connect a subscription and plant.
func TestVaultsPageEmptyStateTeaches(t *testing.T) {
	e := newEnv(t)
	_, body := e.request(nil, "GET", "/vaults", adminToken, nil)
	mustContain(t, "empty /vaults", body, "No vault discovered yet", "Reader", "plant.subscriptions", "honeyvault plant --all --dry-run")
}

// recordingInventory discovers a fixed estate into the real store.
type recordingInventory struct {
	st   *store.Store
	d    store.Discovery
	mu   sync.Mutex
	last DiscoveryReport
}

func (ri *recordingInventory) Discover(ctx context.Context) (DiscoveryReport, error) {
	res, err := ri.st.RecordDiscovery(ctx, ri.d)
	ri.mu.Lock()
	defer ri.mu.Unlock()
	ri.last = DiscoveryReport{Started: ri.d.At, Finished: ri.d.At, Subscriptions: len(ri.d.Subscriptions), Result: res}
	return ri.last, err
}

func (ri *recordingInventory) Status() DiscoveryReport {
	ri.mu.Lock()
	defer ri.mu.Unlock()
	return ri.last
}

// An admin's "discover now" runs discovery (with the session's CSRF
// token), records it in the audit trail and shows the vaults; the empty
// page offers it.
func TestVaultsPageDiscoverNow(t *testing.T) {
	var ri *recordingInventory
	e := newEnv(t, func(e *env, o *Options) {
		ri = &recordingInventory{st: e.st, d: store.Discovery{At: goldenClock, Subscriptions: []store.Subscription{{ID: envSubHR, DisplayName: "Contoso HR"}},
			Vaults: []store.Vault{{ID: envVaultHR, Name: "kv-hr"}}}}
		o.Inventory = ri
	})
	c := e.browser()
	csrf := e.signIn(c, adminToken)
	_, body := e.request(c, "GET", "/vaults", "", nil)
	mustContain(t, "empty /vaults for an admin", body, "Discover vaults now")
	if resp, _ := e.postForm(c, "/vaults/discover", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("discover without CSRF: %d; want 403", resp.StatusCode)
	}
	resp, _ := e.postForm(c, "/vaults/discover", url.Values{"csrf_token": {csrf}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/vaults?discovered=1" {
		t.Fatalf("discover: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body = e.request(c, "GET", "/vaults?discovered=1", "", nil)
	mustContain(t, "after discovery", body, "Discovery ran", "kv-hr", "1 subscriptions, 1 vaults (1 new, 0 gone)")
	if got := e.auditActions(); !strings.HasPrefix(got, "vaults.discover") {
		t.Errorf("audit: %q", got)
	}
	if resp, _ := e.request(nil, "POST", "/vaults/discover", e.token(auth.Analyst), nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("analyst's discover: %d; want 403", resp.StatusCode)
	}
}

// Pages hold 100 vaults; the links keep the filters.
func TestVaultsPagePages(t *testing.T) {
	e := newEnv(t)
	d := store.Discovery{At: goldenClock, Subscriptions: []store.Subscription{{ID: envSubHR, DisplayName: "Contoso HR"}}}
	for i := 0; i < 105; i++ {
		d.Vaults = append(d.Vaults, store.Vault{ID: fmt.Sprintf("/subscriptions/%s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-%03d", envSubHR, i)})
	}
	if _, err := e.st.RecordDiscovery(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	_, body := e.request(nil, "GET", "/vaults?q=kv-&sort=name", adminToken, nil)
	mustContain(t, "page 1", body, ">kv-099<", "100 of 105 vaults", `href="/vaults?page=2&amp;q=kv-&amp;sort=name"`)
	mustNotContain(t, "page 1", body, ">kv-100<")
	_, body = e.request(nil, "GET", "/vaults?q=kv-&sort=name&page=2", adminToken, nil)
	mustContain(t, "page 2", body, ">kv-104<", "5 of 105 vaults", "Previous")
	mustNotContain(t, "page 2", body, ">kv-099<")
}

// Whatever the query string, reading it either names the bad parameter
// or gives a filter that vaultsURL writes back to the same filter.
func FuzzVaultQuery(f *testing.F) {
	for _, s := range []string{"", "q=kv-pay&state=at-risk", "state=green", "subscription=S1&q=team%3Dpay", "q=%00%ff", "state=ALL&search=x", "q=" + strings.Repeat("a", 201)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		r, err := http.NewRequest("GET", "/vaults", nil)
		if err != nil {
			t.Skip()
		}
		r.URL.RawQuery = raw
		vq, bad := readVaultQuery(r)
		if bad != "" {
			return
		}
		if vq.State != "" {
			if _, err := coverage.ParseState(string(vq.State)); err != nil {
				t.Fatalf("%q: state %q", raw, vq.State)
			}
		}
		back, err := http.NewRequest("GET", vaultsURL(vq, "", 1), nil)
		if err != nil {
			t.Fatalf("%q: vaultsURL %q: %v", raw, vaultsURL(vq, "", 1), err)
		}
		again, bad := readVaultQuery(back)
		vq.After = ""
		if bad != "" || again != vq {
			t.Fatalf("%q: %+v written as %q reads back as %+v (%s)", raw, vq, vaultsURL(vq, "", 1), again, bad)
		}
	})
}

// fixedInventory reports one finished run and cannot run another.
type fixedInventory struct{ last DiscoveryReport }

func (fi fixedInventory) Discover(context.Context) (DiscoveryReport, error) { return fi.last, nil }
func (fi fixedInventory) Status() DiscoveryReport                           { return fi.last }

// What the latest run could not do is on the page, in its words.
func TestVaultsPageShowsDiscoveryErrors(t *testing.T) {
	e := newEnv(t, func(_ *env, o *Options) {
		o.Inventory = fixedInventory{DiscoveryReport{Started: goldenClock, Finished: goldenClock, Subscriptions: 2, FailedSubscriptions: 1,
			Errors: []string{"sign-in: DefaultAzureCredential: no credential"}}}
	})
	e.seedVaults()
	_, body := e.request(nil, "GET", "/vaults", e.token(auth.Analyst), nil)
	mustContain(t, "/vaults", body, "Discovery: sign-in: DefaultAzureCredential: no credential", "1 could not be listed", "Last discovery 2021-03-04 05:06 UTC")
	mustNotContain(t, "an analyst's /vaults", body, "Discover vaults now")
	_, body = e.request(nil, "GET", "/vaults", e.token(auth.Owner, envSubPay), nil)
	mustContain(t, "an owner's /vaults", body, "kv-pay")
	mustNotContain(t, "an owner's /vaults", body, "Last discovery", "could not be listed", "DefaultAzureCredential")
}
