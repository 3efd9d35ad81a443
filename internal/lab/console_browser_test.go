package lab

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/registry"

	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
	"github.com/chromedp/chromedp"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/auditpath"
	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/client"
	"github.com/honeyvault/honeyvault/internal/connect"
	"github.com/honeyvault/honeyvault/internal/testenv/browser"
)

// newcomerVault is the lab's vault without a decoy (estate.go).
const newcomerVault = "kv-fraud-ml-prod"

// The console on the lab's real estate, in headless Chromium: an admin
// signs in with the lab's token and opens every page, each showing the
// lab's own content (the new team's vault not covered, and why); an
// outside identity then reads decoys with the Azure SDK, the incident
// appears in the open list without a reload, and its page shows the
// caller's other reads across vaults (and the SDK's tokenless challenges as
// unauthenticated requests, not a caller); the home page then words the
// open incident and links it. An owner of one subscription, in a
// browser context of its own, sees only that subscription's vaults and
// decoys and is refused everywhere else without a decoy name. Every page
// is saved as a screenshot (lab-*.png, see internal/testenv/browser).
func TestLabConsoleInABrowser(t *testing.T) {
	l := startLab(t, Options{})
	// A failure bound for the whole session on a loaded machine: the
	// live list alone polls every 15 s.
	c := browser.Start(t, 6*time.Minute)
	hv, err := client.New(l.URL(), l.AdminToken())
	if err != nil {
		t.Fatal(err)
	}
	text := func(c *browser.Chrome, what string) string {
		t.Helper()
		return c.Read(what, chromedp.Text(chromedp.CSS("main")))
	}
	contains := func(page, what string, wants ...string) {
		t.Helper()
		for _, w := range wants {
			if !strings.Contains(page, w) {
				t.Errorf("%s lacks %q:\n%s", what, w, page)
			}
		}
	}

	c.Step("desktop width", chromedp.EmulateViewport(1280, 900))
	c.Step("open the console", chromedp.Navigate(l.URL()+"/"), chromedp.WaitVisible(chromedp.ID("token")))
	if typ := c.Read("token field", chromedp.Evaluate[string](`document.getElementById("token").type`)); typ != "password" {
		t.Errorf("the sign-in token field is of type %q; want password", typ)
	}
	c.Step("sign in", chromedp.SendKeys(chromedp.ID("token"), l.AdminToken()), chromedp.Submit(chromedp.ID("token")),
		chromedp.WaitVisible(chromedp.ID("home-coverage")))
	// The home page at a glance: the lab's coverage, no incident yet.
	contains(text(c, "home"), "home", "Welcome, bootstrap admin token", "admin", "10 of 11 vaults covered", "1 not covered",
		"0 open incidents", "No incident yet")
	if href := c.Read("not covered link", chromedp.Evaluate[string](`document.querySelector("#glance a.state.not-covered").getAttribute("href")`)); href != "/vaults?state=not-covered" {
		t.Errorf("the home page's not covered count links %q", href)
	}
	c.Screenshot("lab-home")

	c.Step("open /vaults", chromedp.Navigate(l.URL()+"/vaults"), chromedp.WaitVisible(chromedp.ID("coverage-headline")))
	if got, want := c.Read("headline", chromedp.Text(chromedp.ID("coverage-headline"))), "10 of 11 vaults covered"; got != want {
		t.Errorf("/vaults headline %q; want %q", got, want)
	}
	vaults := text(c, "/vaults")
	contains(vaults, "/vaults", "Contoso Production — 3 of 4 vaults covered", "Contoso Dev/Test — 3 of 3 vaults covered",
		newcomerVault, "not covered", "no decoy planted: nobody touching this vault would be noticed")
	for _, v := range l.Vaults() {
		contains(vaults, "/vaults", v.Name)
	}
	// Coverage lists the Vault mounts and Secrets Manager regions with
	// the Key Vaults.
	for _, s := range l.Stores() {
		contains(vaults, "/vaults", s.Name)
	}
	contains(vaults, "/vaults", vaultGroupName+" — 2 of 2 vaults covered", awsGroupName+" — 2 of 2 vaults covered")
	c.Screenshot("lab-vaults")

	// A Vault mount's page, reached from the coverage list: its provider
	// named, its decoys listed, no Azure-only facts or portal link.
	var store Store
	for _, s := range l.Stores() {
		if s.Provider == registry.HashiCorpVault && len(s.Decoys) > 0 {
			store = s
			break
		}
	}
	if store.ID == "" {
		t.Fatal("the lab has no Vault mount with decoys")
	}
	storeLink := "/vaults/vault:/" + strings.TrimPrefix(store.ID, "vault://")
	c.Step("open a Vault mount", chromedp.Click(chromedp.CSS(`a[href="`+storeLink+`"]`)), chromedp.WaitVisible(chromedp.ID("vault-provider")))
	storePage := text(c, store.Name)
	contains(storePage, store.Name+"'s page", "HashiCorp Vault", "Store id", store.ID, store.Decoys[0].Name)
	if strings.Contains(storePage, "Azure portal") || strings.Contains(storePage, "Resource group") {
		t.Errorf("%s's page shows Azure-only facts:\n%s", store.Name, storePage)
	}
	c.Screenshot("lab-vault-store")
	c.Step("back to /vaults", chromedp.Navigate(l.URL()+"/vaults"), chromedp.WaitVisible(chromedp.ID("coverage-headline")))

	c.Step("open the new team's vault", chromedp.Click(chromedp.CSS(`a[href$="/vaults/`+newcomerVault+`"]`)), chromedp.WaitVisible(chromedp.ID("reasons")))
	if state := c.Read("state", chromedp.Text(chromedp.ID("vault-state"))); !strings.Contains(state, "not covered") {
		t.Errorf("%s's page says %q; want not covered", newcomerVault, state)
	}
	contains(text(c, newcomerVault), newcomerVault+"'s page", "Why it is not covered", "no decoy planted", "Azure RBAC", "rg-fraud-ml-prod")
	c.Screenshot("lab-vault-not-covered")

	// Deploy to the new team's vault from its page: the plan (what would be
	// created), one Confirm, the run page reloading itself until the final
	// table, and then the vault covered.
	c.Step("plan deploy", chromedp.Click(chromedp.ID("plan-deploy")), chromedp.WaitVisible(chromedp.ID("confirm")))
	plan := text(c, "the deploy plan")
	contains(plan, "the deploy plan", newcomerVault, "Confirm", "Would create")
	c.Screenshot("lab-deploy-plan")
	c.Step("confirm", chromedp.Click(chromedp.ID("confirm")), chromedp.WaitVisible(chromedp.ID("run-state")))
	c.WaitFor("the run to end", `document.getElementById("run-state") && document.getElementById("run-state").textContent.trim() === "done"`)
	final := text(c, "the run's final table")
	contains(final, "the run's final table", newcomerVault, "Created")
	if sum := c.Read("run summary", chromedp.Text(chromedp.ID("run-summary"))); !strings.HasPrefix(sum, "Planted ") || !strings.Contains(sum, " in 1 vault; 0 vaults failed") {
		t.Errorf("the deploy to %s: %q\n%s", newcomerVault, sum, final)
	}
	c.Screenshot("lab-deploy-done")
	// The new team's vault has no diagnostic setting: wire it as
	// `honeyvault azure connect --lab DIR` does (that verb's own test runs
	// it against a lab), then its next records reach honeyvault.
	wireVault(t, l, newcomerVault)
	// Covered needs the new decoys and the vault's audit records (the
	// planter's next calls, streamed by the emulator): wait for both.
	awaitCovered(t, hv, newcomerVault)
	c.Step("open /vaults again", chromedp.Navigate(l.URL()+"/vaults"), chromedp.WaitVisible(chromedp.ID("coverage-headline")))
	if got, want := c.Read("headline", chromedp.Text(chromedp.ID("coverage-headline"))), "11 of 11 vaults covered"; got != want {
		t.Errorf("/vaults headline after the deploy %q; want %q", got, want)
	}
	c.Screenshot("lab-vaults-after-deploy")

	// The vault's page lists the run that planted it, linking its page.
	c.Step("the new team's vault after the deploy", chromedp.Navigate(l.URL()+"/vaults"+l.vaultID(newcomerVault)), chromedp.WaitVisible(chromedp.ID("vault-runs")))
	runs := c.Read("the vault's runs", chromedp.Text(chromedp.ID("vault-runs")))
	contains(runs, "the vault's runs", "deploy #1", "bootstrap:admin", "done, 2 decoys")
	if href := c.Read("run link", chromedp.Evaluate[string](`document.querySelector("#vault-runs a").getAttribute("href")`)); !strings.HasPrefix(href, "/deploys/") {
		t.Errorf("the vault page's run links %q; want its run page", href)
	}
	c.CheckFits("the vault page with its runs")
	c.Screenshot("lab-vault-runs")

	c.Step("open /honeytokens", chromedp.Navigate(l.URL()+"/honeytokens"), chromedp.WaitVisible(chromedp.CSS("table.decoys")))
	decoys := text(c, "/honeytokens")
	for _, v := range l.Vaults() {
		for _, d := range v.Decoys {
			contains(decoys, "/honeytokens", d.Name)
		}
	}
	c.Screenshot("lab-honeytokens")

	owner := createOwnerToken(t, l, subscriptions[1].ID)
	c.Step("open /tokens", chromedp.Navigate(l.URL()+"/tokens"), chromedp.WaitVisible(chromedp.ID("name")))
	contains(text(c, "/tokens"), "/tokens", "dev-test-owner", "owner")
	c.Screenshot("lab-tokens")

	c.Step("open /audit", chromedp.Navigate(l.URL()+"/audit"), chromedp.WaitVisible(chromedp.ID("actor")))
	contains(text(c, "/audit"), "/audit", "decoy.plant", "honeyvault@contoso.com", "token.create")
	c.Screenshot("lab-audit")

	c.Step("open /incidents", chromedp.Navigate(l.URL()+"/incidents"), chromedp.WaitVisible(chromedp.CSS("[data-live-newest]")))
	contains(text(c, "/incidents"), "/incidents before the attack", "No incidents yet")
	c.Screenshot("lab-incidents-empty")

	// An outside identity attacks, as `lab attack` does, while the list is
	// open. A mark on the window survives a live refresh, not a reload.
	c.Read("mark the page", chromedp.Evaluate[string](`String(window.labNoReload = true)`))
	var out strings.Builder
	if err := Attack(testContext(t), AttackOptions{Dir: l.Dir(), Out: &out}); err != nil {
		t.Fatal(err)
	}
	c.WaitFor("an incident in the open list", `document.querySelector('table.incidents a[href^="/incidents/"]') !== null`)
	if kept := c.Read("mark", chromedp.Evaluate[string](`String(window.labNoReload === true)`)); kept != "true" {
		t.Errorf("the incident list was reloaded; want the live refresh to bring the incident in")
	}
	contains(text(c, "/incidents after the attack"), "/incidents after the attack", outsiders[0].Identity.UPN)
	c.Screenshot("lab-incidents")

	// The original's first access, a decoy key's download, and the
	// caller's other reads, across vaults, that the incident page lists.
	key := originalTest(l.state.Vaults, false)[0]
	reached := relatedVaults(out.String())
	id := awaitRelated(t, hv, key.vault.Name, outsiders[0].Identity.ObjectID, reached)
	c.Step("open the list", chromedp.Navigate(l.URL()+"/incidents"), chromedp.WaitVisible(chromedp.CSS("table.incidents")))
	c.Step("open the incident", chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href="/incidents/%d"]`, id))), chromedp.WaitVisible(chromedp.CSS("h1.sentence")))
	sentence := c.Read("sentence", chromedp.Text(chromedp.CSS("h1.sentence")))
	want := []string{outsiders[0].Identity.UPN, "decoy key", key.vault.Name}
	// The attack also uses a canary value read in this vault; when its
	// hit is grouped into this incident (it is, once the read it follows
	// is in), the incident has two addresses and its first line names
	// neither. Which comes first is the pipeline's timing.
	if !strings.Contains(sentence, "outside Key Vault") {
		want = append(want, outsiders[0].Identity.IPAddress)
	}
	contains(sentence, "the incident's first line", want...)
	incident := text(c, "the incident page")
	contains(incident, "the incident page", "What the caller did around it", key.name, "KeyGet", "SecretGet", "SecretList", "403 Forbidden")
	for _, v := range reached {
		contains(incident, "the incident's related activity", v)
	}
	if strings.Contains(incident, "403 Success") {
		t.Errorf("the related activity calls a refused read a success:\n%s", incident)
	}
	// The SDK's tokenless first requests are an address, not an actor.
	others := c.Read("others on the vault", chromedp.Text(chromedp.CSS("aside.side-col section:last-child")))
	contains(others, "others on the vault", "Unauthenticated requests from 127.0.0.1")
	if strings.Contains(others, "127.0.0.1 127.0.0.1") {
		t.Errorf("others on the vault show an address as a caller:\n%s", others)
	}
	c.Screenshot("lab-incident")

	// Home again: the incident is open, in words, a click away.
	c.Step("open the home page", chromedp.Navigate(l.URL()+"/"), chromedp.WaitVisible(chromedp.ID("newest-incidents")))
	contains(text(c, "home after the attack"), "home after the attack", "open incident", outsiders[0].Identity.UPN, "11 of 11 vaults covered")
	// The home page words the five newest open incidents: the attack's
	// canary uses and tamper move may have pushed the key's incident past
	// them, so the page must list exactly the newest the API names.
	newest, err := hv.ListIncidents(testContext(t), client.IncidentQuery{Status: "open", Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range newest.Incidents {
		if n := c.Read("incident link", chromedp.Evaluate[string](fmt.Sprintf(`String(document.querySelectorAll('#newest-incidents a[href="/incidents/%d"]').length)`, x.ID))); n != "1" {
			t.Errorf("the home page lists %s links to incident %d; want 1", n, x.ID)
		}
	}
	if n := c.Read("incident links", chromedp.Evaluate[string](`String(document.querySelectorAll('#newest-incidents a').length)`)); n != fmt.Sprint(len(newest.Incidents)) {
		t.Errorf("the home page lists %s incidents; want the %d newest open", n, len(newest.Incidents))
	}
	c.Screenshot("lab-home-after-attack")
	c.Step("phone width", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)), chromedp.Navigate(l.URL()+"/"),
		chromedp.WaitVisible(chromedp.ID("newest-incidents")))
	c.Screenshot("lab-home-after-attack-phone")
	c.Step("desktop width", chromedp.EmulateViewport(1280, 900))
	c.CheckProblems()

	// An owner of Contoso Dev/Test, in a browser context of its own.
	o := c.Fresh()
	o.Step("desktop width", chromedp.EmulateViewport(1280, 900))
	o.Step("open /vaults", chromedp.Navigate(l.URL()+"/vaults"), chromedp.WaitVisible(chromedp.ID("token")))
	o.Step("sign in as the owner", chromedp.SendKeys(chromedp.ID("token"), owner), chromedp.Submit(chromedp.ID("token")),
		chromedp.WaitVisible(chromedp.ID("coverage-headline")))
	if got, want := o.Read("headline", chromedp.Text(chromedp.ID("coverage-headline"))), "3 of 3 vaults covered"; got != want {
		t.Errorf("the owner's /vaults headline %q; want %q", got, want)
	}
	// Exact lists, not substrings: one team's decoy name may be part of
	// another's (encryption-key, aks-disk-encryption-key-prod).
	rows := func(what, js string) []string {
		t.Helper()
		list := strings.Fields(o.Read(what, chromedp.Evaluate[string](js)))
		slices.Sort(list)
		return list
	}
	gotVaults := rows("the owner's vaults", `Array.from(document.querySelectorAll("table.vaults tbody td:nth-child(2) a"), a => a.textContent.trim()).join(" ")`)
	o.Screenshot("lab-owner-vaults")
	o.Step("open /honeytokens", chromedp.Navigate(l.URL()+"/honeytokens"), chromedp.WaitVisible(chromedp.CSS("table.decoys")))
	gotDecoys := rows("the owner's decoys", `Array.from(document.querySelectorAll("table.decoys tbody tr"),
		tr => tr.cells[2].textContent.trim() + "/" + tr.cells[0].querySelector("code").textContent.trim()).join(" ")`)
	o.Screenshot("lab-owner-honeytokens")
	var wantVaults, wantDecoys []string
	var elsewhere []Vault
	for _, v := range l.Vaults() {
		if v.SubscriptionID != subscriptions[1].ID {
			elsewhere = append(elsewhere, v)
			continue
		}
		wantVaults = append(wantVaults, v.Name)
		for _, d := range v.Decoys {
			wantDecoys = append(wantDecoys, v.Name+"/"+d.Name)
		}
	}
	slices.Sort(wantVaults)
	slices.Sort(wantDecoys)
	if !slices.Equal(gotVaults, wantVaults) {
		t.Errorf("the owner of %s sees vaults %q; want %q", subscriptions[1].DisplayName, gotVaults, wantVaults)
	}
	if !slices.Equal(gotDecoys, wantDecoys) {
		t.Errorf("the owner of %s sees decoys %q; want %q", subscriptions[1].DisplayName, gotDecoys, wantDecoys)
	}
	// The owner's home: its coverage, and no incident, not even a count.
	o.Step("open the owner's home", chromedp.Navigate(l.URL()+"/"), chromedp.WaitVisible(chromedp.ID("home-coverage")))
	ownerHome := text(o, "the owner's home")
	contains(ownerHome, "the owner's home", "3 of 3 vaults covered", "Accesses to your decoys")
	if strings.Contains(ownerHome, "open incident") || strings.Contains(ownerHome, outsiders[0].Identity.UPN) {
		t.Errorf("the owner's home shows incidents:\n%s", ownerHome)
	}
	o.Screenshot("lab-owner-home")
	o.Step("phone width", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)), chromedp.Navigate(l.URL()+"/"),
		chromedp.WaitVisible(chromedp.ID("home-coverage")))
	o.Screenshot("lab-owner-home-phone")
	o.Step("desktop width", chromedp.EmulateViewport(1280, 900))
	// The pages so far must have gone cleanly; the refusals below are
	// 403s and 404s, which the browser logs as errors.
	o.CheckProblems()

	planted := slices.IndexFunc(elsewhere, func(v Vault) bool { return len(v.Decoys) > 0 })
	refused := []struct{ path, name, status string }{
		{"/vaults" + elsewhere[planted].ID, "lab-owner-refused-vault", "Not Found"}, // as if it did not exist: no vault is confirmed
		{"/incidents", "lab-owner-refused-incidents", "Forbidden"},
		{fmt.Sprintf("/incidents/%d", id), "lab-owner-refused-incident", "Forbidden"},
		{"/tokens", "lab-owner-refused-tokens", "Forbidden"},
		{"/audit", "lab-owner-refused-audit", "Forbidden"},
	}
	for _, r := range refused {
		o.Step("open "+r.path, chromedp.Navigate(l.URL()+r.path), chromedp.WaitVisible(chromedp.CSS("section.card h1")))
		if got := o.Read("title", chromedp.Text(chromedp.CSS("section.card h1"))); got != r.status {
			t.Errorf("the owner at %s: %q; want %s", r.path, got, r.status)
		}
		page := text(o, r.path)
		for _, v := range l.Vaults() {
			for _, d := range v.Decoys {
				if strings.Contains(page, d.Name) {
					t.Errorf("the owner's refusal at %s names decoy %s", r.path, d.Name)
				}
			}
		}
		o.Screenshot(r.name)
	}
	t.Logf("screenshots in %s", c.Shots)
}

// createOwnerToken creates, as the lab's admin, an owner token scoped to
// one subscription and returns it.
func createOwnerToken(t *testing.T, l *Lab, subscription string) string {
	t.Helper()
	body, _ := json.Marshal(api.CreateTokenRequest{Name: "dev-test-owner", Role: "owner", Scope: []string{subscription}, Expires: "1d"})
	req, err := http.NewRequestWithContext(testContext(t), http.MethodPost, l.URL()+"/api/v1/tokens", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+l.AdminToken())
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok api.Token
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != http.StatusCreated || tok.Token == "" {
		t.Fatalf("POST /api/v1/tokens: %s, %v", resp.Status, err)
	}
	return tok.Token
}

// relatedVaults are the vaults of the attack's report: every one the
// caller sent a request to.
func relatedVaults(report string) []string {
	var out []string
	for _, line := range strings.Split(report, "\n") {
		f := strings.Fields(line)
		if len(f) > 2 && strings.HasPrefix(f[0], "kv-") && !slices.Contains(out, f[0]) {
			out = append(out, f[0])
		}
	}
	return out
}

// awaitCovered waits until the coverage of vault says covered.
// wireVault gives a lab vault the diagnostic setting azure connect would,
// as the lab's planter, to the namespace the lab's honeyvault reads.
func wireVault(t *testing.T, l *Lab, vault string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), DefaultWait)
	defer cancel()
	tgt, err := Connect(ctx, l.dir)
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()
	az, err := azure.New(azure.Options{Credential: tgt.Overrides.Credential, ClientOptions: *tgt.Overrides.ClientOptions})
	if err != nil {
		t.Fatal(err)
	}
	dest := &auditpath.Destinations{}
	for _, id := range tgt.Destinations {
		d, ok := auditpath.ParseDestination(id)
		if !ok {
			t.Fatalf("the lab's destination %q", id)
		}
		dest.Add(d)
	}
	want, err := dest.Wiring()
	if err != nil {
		t.Fatal(err)
	}
	plan := connect.Plan(ctx, az, dest, want, []connect.Vault{{ID: l.vaultID(vault), Name: vault}}, 1)
	if plan[0].Action != connect.Create {
		t.Fatalf("%s before wiring: %+v", vault, plan[0])
	}
	if res := connect.Apply(ctx, az, dest, plan, 1, nil); !res[0].Wired || res[0].Err != nil {
		t.Fatalf("wiring %s: %+v", vault, res[0])
	}
	// A list call (it names no object: no alert) is the vault's first
	// record to reach honeyvault.
	sc, err := azsecrets.NewClient(l.emu.VaultURL(vault), tgt.Overrides.Credential, &azsecrets.ClientOptions{ClientOptions: *tgt.Overrides.ClientOptions})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sc.NewListSecretPropertiesPager(nil).NextPage(ctx); err != nil {
		t.Fatal(err)
	}
}

func awaitCovered(t *testing.T, hv *client.Client, vault string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*DefaultWait) // a failure bound
	defer cancel()
	state := "not listed"
	for {
		list, err := hv.ListVaults(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if i := slices.IndexFunc(list.Vaults, func(v api.Vault) bool { return v.Name == vault }); i >= 0 {
			state = list.Vaults[i].Coverage.State
			if state == "covered" {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s to be covered: still %s", vault, state)
		case <-time.After(pollEvery):
		}
	}
}

// awaitRelated waits until the caller's incident on vault exists and its
// related activity holds the caller's requests to every vault the attack
// reached (the records of several vaults arrive in any order), and returns
// the incident's id.
func awaitRelated(t *testing.T, hv *client.Client, vault, caller string, reached []string) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*DefaultWait) // a failure bound
	defer cancel()
	for {
		var missing string
		list, err := hv.ListIncidents(ctx, client.IncidentQuery{Vault: vault, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(list.Incidents, func(in api.Incident) bool { return in.Caller == strings.ToLower(caller) })
		if i < 0 {
			missing = "the incident"
		} else {
			d, err := hv.GetIncident(ctx, list.Incidents[i].ID, "")
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for _, e := range d.Related.Events {
				seen[e.Vault] = true
			}
			missing = ""
			for _, v := range reached {
				if !seen[v] {
					missing += " " + v
				}
			}
			if missing == "" {
				return list.Incidents[i].ID
			}
			missing = "related activity in" + missing
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s on %s: %v", missing, vault, ctx.Err())
		case <-time.After(pollEvery):
		}
	}
}
