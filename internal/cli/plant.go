package cli

import (
	"context"
	"errors"
	"fmt"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/deploy"
	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/registry"
)

func newPlantCmd() *cobra.Command {
	var (
		pf                             plantFlags
		vaults, stores, providers      []string
		all, dryRun, grant             bool
		types, secretKW, keyKW, certKW string
		probability                    float64
		maxDecoys, concurrency         int
	)
	cmd := &cobra.Command{
		Use:   "plant (--vault NAME|ID ... | --store ID ... | --provider P ... | --all) [--dry-run] [--types secret,key,certificate] [--subscription S]...",
		Short: "Plant decoys into one vault or store, some or all",
		Long: `plant puts decoys into key vaults: names in each vault's own style built from keywords,
values and metadata that look real, recorded in the registry at once and allow-listed for
their own create operation only.

It first checks every vault (what honeyvault's identity may do there, from list calls and
the vault's access policies; never a secret's value) and prints a plan, like terraform plan:
per vault what would be created, with names and types. The plan names decoys: keep it to
your terminal. Without --dry-run it then plants, at most --concurrency vaults at a time,
under Key Vault's per-vault and per-subscription limits, waiting out 429s, and prints a
table: vault, planted, covered, result. A vault that fails does not stop the others.

Running it again creates nothing for vaults that already carry an active decoy of each type.
Settings also come from the config file's plant section and HONEYVAULT_PLANT_* variables.

--lab DIR plants into the lab running in DIR (honeyvault lab --dir DIR) instead of Azure:
into its emulator as its planter, recorded in its database, and waits until the lab's
honeyvault watches the new decoys (lab attack then plays against them too). retire and
reconcile take --lab as well.

HashiCorp Vault / OpenBao KV v2 mounts and AWS Secrets Manager regions configured in the
vault and aws sections of the config file are planted the same way (secrets only; no grant):
--store vault://prod/secret (or prod/secret, or arn:aws:secretsmanager:REGION:ACCOUNT) picks
stores, --provider hashicorp-vault|aws-secretsmanager every store of a provider
(--provider azure-keyvault every key vault), and --all every key vault and every store of
every configured provider. Their plan and table follow Key Vault's.

Exit status: 0 every vault and store planted (or covered), 1 some failed, 2 bad usage.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			kvAll, others, err := parseProviders(providers)
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			chosen := len(vaults) > 0 || len(stores) > 0 || len(providers) > 0
			if all == chosen {
				return usageErr("plant: name vaults with --vault or use --all (not both); --store and --provider choose Vault and Secrets Manager stores")
			}
			if kvAll && len(vaults) > 0 {
				return usageErr("plant: --provider azure-keyvault already takes every vault: leave out --vault")
			}
			if _, _, err := deploy.ParseSelectors(vaults); err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			cfg, err := pf.load(cmd, func(p *config.Plant) error {
				f := cmd.Flags()
				if f.Changed("types") {
					p.Types = splitList(types)
				}
				for flag, dst := range map[string]*[]string{"secret-keywords": &p.SecretKeywords, "key-keywords": &p.KeyKeywords, "certificate-keywords": &p.CertificateKeywords} {
					if !f.Changed(flag) {
						continue
					}
					v, _ := f.GetString(flag)
					kws, err := plant.ParseKeywords(v)
					if err != nil {
						return fmt.Errorf("--%s: %w", flag, err)
					}
					*dst = kws
				}
				if f.Changed("probability") {
					p.Probability = probability
				}
				if f.Changed("max") {
					p.Max = maxDecoys
				}
				if f.Changed("concurrency") {
					p.Concurrency = concurrency
				}
				if f.Changed("grant-temporary") {
					p.GrantTemporary = grant
				}
				return nil
			})
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			if _, err := deploy.PlannerSettings(cfg.Plant); err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			var kvErr error
			if all || kvAll || len(vaults) > 0 {
				kvErr = runPlant(cmd, &pf, cfg, vaults, all || kvAll, dryRun)
			}
			sc := storeChoice{selectors: stores, providers: others, all: all}
			if !sc.any() || all && len(cfg.Vault.Clusters) == 0 && !cfg.AWS.Enabled() {
				return kvErr // Key Vault alone, as it always was
			}
			serr := runStorePlant(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), cfg, sc, dryRun)
			if serr == nil && !dryRun {
				// With --lab, the running lab watches the new decoys
				// (runPlant settled for the Key Vaults already).
				if err := pf.settleStores(cmd.Context(), cmd.ErrOrStderr()); err != nil {
					serr = &ExitError{Code: 1, Err: err}
				}
			}
			return joinExit(kvErr, serr)
		},
	}
	pf.register(cmd)
	f := cmd.Flags()
	f.StringArrayVar(&vaults, "vault", nil, "`VAULT` name or ARM id to plant into (repeatable)")
	f.BoolVar(&all, "all", false, "plant into every vault of the subscriptions and every configured Vault and Secrets Manager store")
	f.StringArrayVar(&stores, "store", nil, "Vault or Secrets Manager `STORE` id or name to plant into, e.g. vault://prod/secret (repeatable)")
	f.StringArrayVar(&providers, "provider", nil, "plant into every store of `PROVIDER`: hashicorp-vault, aws-secretsmanager or azure-keyvault (repeatable)")
	f.BoolVar(&dryRun, "dry-run", false, "check and print the plan; change nothing")
	f.StringVar(&types, "types", "", "decoy `TYPES` each vault gets: secret,key,certificate (default secret,key)")
	f.Float64Var(&probability, "probability", 0, "chance `P` (0-1) of each additional decoy of a type")
	f.IntVar(&maxDecoys, "max", 0, "most decoys of one type per vault, `N` (default 3)")
	f.StringVar(&secretKW, "secret-keywords", "", "comma-separated `KEYWORDS` for secret names")
	f.StringVar(&keyKW, "key-keywords", "", "comma-separated `KEYWORDS` for key names")
	f.StringVar(&certKW, "certificate-keywords", "", "comma-separated `KEYWORDS` for certificate names")
	f.IntVar(&concurrency, "concurrency", 0, "vaults worked on at once, `N` (default 8)")
	f.BoolVar(&grant, "grant-temporary", false, "on access-policy vaults, grant honeyvault's identity what it lacks while planting, then remove it")
	cmd.AddCommand(newPlantEntraCmd())
	return cmd
}

func runPlant(cmd *cobra.Command, pf *plantFlags, cfg config.Config, selectors []string, all, dryRun bool) (err error) {
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	sess, err := pf.open(ctx, cfg, stderr)
	if err != nil {
		return &ExitError{Code: 1, Err: err}
	}
	defer sess.Close()
	d := sess.deployer
	fmt.Fprintf(stderr, "honeyvault plant: signed in as %s (object id %s)\n", d.Planter, d.Planter.ObjectID)

	targets, warnings, err := deploy.Targets(ctx, d.Azure, cfg.Plant.Subscriptions, selectors, all)
	for _, w := range warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	if err != nil {
		if errors.Is(err, deploy.ErrNoSuchVault) {
			return &ExitError{Code: 2, Err: err}
		}
		return &ExitError{Code: 1, Err: err}
	}
	if len(targets) == 0 {
		fmt.Fprintln(stderr, "honeyvault plant: no vaults found")
		if len(warnings) > 0 {
			return &ExitError{Code: 1}
		}
		return nil
	}

	tty := isTerminal(stderr)
	check := newProgressView(stderr, tty, "to plant", len(targets))
	fmt.Fprintf(stderr, "checking %d vaults...\n", len(targets))
	runs, err := d.Prepare(ctx, targets, dryRun, check.Update)
	// Temporary grants go however the run ends (an error, a signal): the
	// signal handler stays installed until they are removed.
	defer func() {
		if rerr := d.Release(context.WithoutCancel(ctx), runs); rerr != nil {
			fmt.Fprintln(stderr, "honeyvault plant:", rerr)
			err = &ExitError{Code: 1, Err: errors.New("temporary access policies could not all be removed (see above)")}
		}
	}()
	check.Finish()
	if err != nil {
		return &ExitError{Code: 1, Err: err}
	}
	if !isTerminal(stdout) {
		fmt.Fprintln(stderr, "warning: the plan names decoys and is going to a file or pipe: keep it private")
	}
	printPlan(stdout, runs, dryRun)
	if dryRun {
		return plantExit(runs, warnings)
	}
	if ctx.Err() != nil {
		return &ExitError{Code: 1, Err: ctx.Err()}
	}
	apply := newProgressView(stderr, tty, "planted", countPlanned(runs))
	d.Apply(ctx, runs, apply.Update)
	apply.Finish()
	printPlantTable(stdout, runs)
	if err := sess.settle(ctx, stderr); err != nil {
		return &ExitError{Code: 1, Err: err}
	}
	return plantExit(runs, warnings)
}

func countPlanned(runs []*deploy.VaultRun) int {
	n := 0
	for _, r := range runs {
		if r.Err == nil && r.Plan != nil {
			n++
		}
	}
	return n
}

// plantExit is 1 when a vault failed or a subscription could not be listed.
func plantExit(runs []*deploy.VaultRun, warnings []error) error {
	failed := 0
	for _, r := range runs {
		if r.Failed() {
			failed++
		}
	}
	if failed > 0 || len(warnings) > 0 {
		return &ExitError{Code: 1, Err: fmt.Errorf("%d of %d vaults failed%s", failed, len(runs), subscriptionNote(warnings))}
	}
	return nil
}

func subscriptionNote(warnings []error) string {
	if len(warnings) == 0 {
		return ""
	}
	return fmt.Sprintf("; %d subscriptions could not be listed", len(warnings))
}

// typeNames lists types for a table cell.
func typeNames(ts []registry.Type) string {
	if len(ts) == 0 {
		return "-"
	}
	s := ""
	for i, t := range ts {
		if i > 0 {
			s += ","
		}
		s += string(t)
	}
	return s
}
