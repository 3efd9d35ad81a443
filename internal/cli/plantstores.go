package cli

import (
	"context"
	"fmt"
	"io"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/secretstore"
	"github.com/honeyvault/honeyvault/internal/store"
)

// storeChoice is which Vault and Secrets Manager stores plant works on.
type storeChoice struct {
	selectors []string            // --store: a store id or name
	providers []registry.Provider // --provider, Key Vault left out
	all       bool                // --all: every store of every configured provider
}

func (c storeChoice) any() bool { return c.all || len(c.selectors) > 0 || len(c.providers) > 0 }

// storeTarget is one store to plant and the deployer that reaches it.
type storeTarget struct {
	d     *secretstore.Deployer
	group string
	store secretstore.Store
}

// parseProviders splits --provider values into Key Vault (selected or
// not) and the others.
func parseProviders(names []string) (keyVault bool, others []registry.Provider, err error) {
	for _, n := range names {
		p := registry.Provider(strings.ToLower(strings.TrimSpace(n)))
		switch p {
		case registry.AzureKeyVault:
			keyVault = true
		case registry.HashiCorpVault, registry.AWSSecretsManager:
			others = append(others, p)
		default:
			return false, nil, fmt.Errorf("--provider %q: want azure-keyvault, hashicorp-vault or aws-secretsmanager", n)
		}
	}
	return keyVault, others, nil
}

// storeTargets lists the stores of the chosen providers and keeps those
// selected. A provider whose listing fails is a warning: the others go on.
// A selector no store matches is bad usage.
func storeTargets(ctx context.Context, s *storeSession, c storeChoice) ([]storeTarget, []error, error) {
	want := map[registry.Provider]bool{}
	for _, p := range c.providers {
		want[p] = true
	}
	for p := range want {
		found := false
		for _, e := range s.entries {
			found = found || e.Kind() == p
		}
		if !found {
			return nil, nil, usageErr("plant: --provider %s: none is configured (see the vault and aws sections of the config file)", p)
		}
	}
	if len(c.selectors) > 0 && len(s.entries) == 0 {
		return nil, nil, usageErr("plant: --store: no Vault cluster or AWS account is configured (see the vault and aws sections of the config file)")
	}
	var out []storeTarget
	var warnings []error
	matched := map[string]bool{}
	for i, e := range s.entries {
		if !c.all && len(c.selectors) == 0 && !want[e.Kind()] {
			continue
		}
		stores, err := e.Provider.Stores(ctx)
		if err != nil {
			warnings = append(warnings, fmt.Errorf("%s: listing stores: %w", e.Name, err))
			continue
		}
		for _, st := range stores {
			chosen := c.all || want[e.Kind()]
			for _, sel := range c.selectors {
				if storeMatches(sel, st) {
					chosen, matched[sel] = true, true
				}
			}
			if chosen {
				out = append(out, storeTarget{d: s.deployers[i], group: e.Name, store: st})
			}
		}
	}
	for _, sel := range c.selectors {
		if !matched[sel] && len(warnings) == 0 {
			return nil, warnings, usageErr("plant: --store %q: no configured Vault mount or Secrets Manager region has this id or name", sel)
		}
	}
	return out, warnings, nil
}

// storeMatches compares a selector with a store's id (as the registry
// compares ids) or its name (vault://prod/secret or prod/secret).
func storeMatches(sel string, st secretstore.Store) bool {
	sel = strings.TrimRight(strings.TrimSpace(sel), "/")
	return registry.VaultKey(sel) == registry.VaultKey(st.ID) || sel == st.Name
}

// runStorePlant plants (or, dry, plans) the chosen Vault and Secrets
// Manager stores: the plan on stdout as Key Vault's, progress on stderr, a
// store's failure not stopping the others.
func runStorePlant(ctx context.Context, stdout, stderr io.Writer, cfg config.Config, c storeChoice, dryRun bool) error {
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	st, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return &ExitError{Code: 1, Err: err}
	}
	defer st.Close()
	sess, err := openStores(ctx, cfg, st, stderr)
	if err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	targets, warnings, err := storeTargets(ctx, sess, c)
	for _, w := range warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	if err != nil {
		return err
	}
	if len(targets) == 0 {
		fmt.Fprintln(stderr, "honeyvault plant: no Vault or Secrets Manager stores found")
		if len(warnings) > 0 {
			return &ExitError{Code: 1, Err: fmt.Errorf("%d providers could not be listed", len(warnings))}
		}
		return nil
	}
	tty := isTerminal(stderr)
	fmt.Fprintf(stderr, "checking %d stores...\n", len(targets))
	check := newProgressView(stderr, tty, "to plant", len(targets))
	var runs []*secretstore.Run
	groups := map[*secretstore.Run]string{}
	perDeployer := map[*secretstore.Deployer][]*secretstore.Run{}
	for _, batch := range byDeployer(targets) {
		rs, err := batch[0].d.Prepare(ctx, storesOf(batch), storeProgress(check))
		if err != nil {
			// The deployer as a whole failed (its planter unknown, ...):
			// each of its stores fails with it.
			for _, t := range batch {
				rs = append(rs, &secretstore.Run{Store: t.store, Err: err})
			}
		}
		for _, r := range rs {
			groups[r] = batch[0].group
			if r.Err == nil {
				perDeployer[batch[0].d] = append(perDeployer[batch[0].d], r)
			}
		}
		runs = append(runs, rs...)
	}
	check.Finish()
	if !isTerminal(stdout) {
		fmt.Fprintln(stderr, "warning: the plan names decoys and is going to a file or pipe: keep it private")
	}
	printStorePlan(stdout, runs, groups, dryRun)
	if !dryRun {
		if ctx.Err() != nil {
			return &ExitError{Code: 1, Err: ctx.Err()}
		}
		apply := newProgressView(stderr, tty, "planted", countStorePlanned(runs))
		for _, batch := range byDeployer(targets) {
			if rs := perDeployer[batch[0].d]; len(rs) > 0 {
				batch[0].d.Apply(ctx, rs, storeProgress(apply))
			}
		}
		apply.Finish()
		printStoreTable(stdout, runs)
	}
	failed := 0
	for _, r := range runs {
		if r.Failed() {
			failed++
		}
	}
	if failed > 0 || len(warnings) > 0 {
		return &ExitError{Code: 1, Err: fmt.Errorf("%d of %d stores failed; %d providers could not be listed", failed, len(runs), len(warnings))}
	}
	return nil
}

// byDeployer groups targets by deployer, in their order.
func byDeployer(ts []storeTarget) [][]storeTarget {
	var out [][]storeTarget
	idx := map[*secretstore.Deployer]int{}
	for _, t := range ts {
		i, ok := idx[t.d]
		if !ok {
			i = len(out)
			idx[t.d] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], t)
	}
	return out
}

func storesOf(ts []storeTarget) []secretstore.Store {
	out := make([]secretstore.Store, len(ts))
	for i, t := range ts {
		out[i] = t.store
	}
	return out
}

func countStorePlanned(runs []*secretstore.Run) int {
	n := 0
	for _, r := range runs {
		if r.Err == nil && r.Plan != nil {
			n++
		}
	}
	return n
}

func sortedStoreRuns(runs []*secretstore.Run) []*secretstore.Run {
	out := append([]*secretstore.Run(nil), runs...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Store.ID < out[j].Store.ID })
	return out
}

// printStorePlan writes what would be created in each store, as
// printPlan does for vaults: names (with their directories), what the
// value is made of and the tags; never a value.
func printStorePlan(w io.Writer, runs []*secretstore.Run, groups map[*secretstore.Run]string, dryRun bool) {
	decoys, toPlant, covered, unable := 0, 0, 0, 0
	fmt.Fprintln(w, "# honeyvault plan — decoy names below: keep this output private")
	for _, r := range sortedStoreRuns(runs) {
		fmt.Fprintf(w, "\n%s  (%s, %s)\n", r.Store.Name, groups[r], r.Store.ID)
		switch {
		case r.Err != nil:
			unable++
			fmt.Fprintf(w, "  ! cannot plant: %v\n", r.Err)
			continue
		case r.Plan != nil && len(r.Plan.Decoys) > 0:
			toPlant++
			decoys += len(r.Plan.Decoys)
		default:
			covered++
		}
		for _, dec := range r.Plan.Decoys {
			fmt.Fprintf(w, "  + %-12s %s  %s\n", dec.Type, dec.Name, describe(dec))
		}
		for _, t := range r.Plan.Covered {
			fmt.Fprintf(w, "  = %-12s covered: an active decoy is there already\n", t)
		}
	}
	verb := "to create"
	if dryRun {
		verb = "would be created"
	}
	fmt.Fprintf(w, "\nPlan: %d decoys %s in %d stores; %d stores covered already; %d stores cannot be planted.\n", decoys, verb, toPlant, covered, unable)
}

// printStoreTable writes the outcome per store (counts, no names), then
// each failed store's error.
func printStoreTable(w io.Writer, runs []*secretstore.Run) {
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STORE\tPLANTED\tRESULT")
	planted := 0
	for _, r := range sortedStoreRuns(runs) {
		result := "ok"
		switch {
		case r.Err != nil:
			result = "failed"
		case r.Plan != nil && len(r.Plan.Decoys) == 0:
			result = "covered"
		}
		if len(r.Unsettled) > 0 {
			result += fmt.Sprintf(" (%d unsettled)", len(r.Unsettled))
		}
		planted += len(r.Planted)
		fmt.Fprintf(tw, "%s\t%d\t%s\n", r.Store.Name, len(r.Planted), result)
	}
	tw.Flush()
	for _, r := range sortedStoreRuns(runs) {
		if r.Err != nil {
			fmt.Fprintf(w, "\n%s: %v\n", r.Store.Name, r.Err)
		}
	}
	fmt.Fprintf(w, "\n%d decoys planted in %d stores.\n", planted, len(runs))
}
