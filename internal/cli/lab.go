package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/honeyvault/honeyvault/internal/lab"
)

func newLabCmd() *cobra.Command {
	var (
		o        lab.Options
		selftest bool
		jsonOut  bool
	)
	cmd := &cobra.Command{
		Use:   "lab [--vaults N] [--listen ADDR] [--dir DIR] [--selftest] [--json] [--notify-webhook URL]...",
		Short: "Run an emulated Key Vault, Vault and Secrets Manager estate with honeyvault watching it",
		Long: `lab shows the whole loop on one machine. It starts the built-in Azure Key Vault emulator with
N vaults in two subscriptions (both permission models, existing secrets, keys and certificates
in each team's own naming style), a complete honeyvault server on SQLite in --dir, every
vault's audit log streaming to honeyvault's ingest endpoint, and decoys planted into every
vault by honeyvault's planter but a new team's, created after the planting (not covered in
the console). Beside them run a HashiCorp Vault server (two KV v2 mounts; its socket audit
device streams to honeyvault) and an AWS account's Secrets Manager (two regions; CloudTrail
pushed as EventBridge events to /api/v1/ingest/aws-cloudtrail), with decoy secrets planted
by honeyvault's planter and listed in the console's coverage. It prints the vaults and their decoys, honeyvault's address with the console's
coverage count, a token to sign in with and what to try next, then runs until Ctrl-C. Each
start begins afresh: the previous lab's database in --dir is replaced.

--selftest runs the original Sentinel solution's own test instead — download the public key
of a decoy key, read a decoy secret — as an outside identity, then covers its tracks as
lab attack does (deletes a decoy vault's diagnostic setting, then reads a decoy there),
then reads a decoy secret carrying a canary value of each kind and uses it (an HTTP request,
a DNS lookup at the lab's DNS listener, a PostgreSQL connection), reads a decoy in the Vault
server and one in Secrets Manager, waits for the incidents
and exits 0 only if every access, the deletion and every use became an incident naming the
operation, the caller and the vault (and a webhook received it). Any --vaults will do: with
fewer than three the outside identities may read, one vault holds a canary of several kinds.
--json prints
{"ok": bool, "checks": [{operation, token, vault, caller, incident_id, seconds_to_incident}]};
the deletion's check has operation MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE and token "";
the uses' canary:http, canary:dns and canary:postgres, with caller 127.0.0.1; the reads
beyond Azure vault:read and GetSecretValue.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if jsonOut && !selftest {
				return &ExitError{Code: 2, Err: errors.New("lab: --json goes with --selftest")}
			}
			if o.Vaults < 1 || o.Vaults > lab.MaxVaults {
				return &ExitError{Code: 2, Err: fmt.Errorf("lab: --vaults %d: want 1 to %d", o.Vaults, lab.MaxVaults)}
			}
			for _, u := range o.NotifyWebhooks {
				if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
					return &ExitError{Code: 2, Err: fmt.Errorf("lab: --notify-webhook %q is not an http(s) URL", u)}
				}
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			o.Errors = cmd.ErrOrStderr()
			if selftest {
				if !cmd.Flags().Changed("listen") {
					o.Listen = "" // a free port: the selftest must not collide with a running lab
				}
				if !cmd.Flags().Changed("dir") {
					o.Dir = "" // a temporary directory
				}
				return runSelftest(ctx, cmd.OutOrStdout(), cmd.ErrOrStderr(), o, jsonOut)
			}
			return runLab(ctx, cmd.OutOrStdout(), o)
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.Vaults, "vaults", lab.DefaultVaults, "number of emulated vaults")
	f.StringVar(&o.Listen, "listen", lab.DefaultListen, "address honeyvault listens on (--selftest: a free port)")
	f.StringVar(&o.Dir, "dir", lab.DefaultDir, "directory for everything the lab writes (--selftest: a temporary one)")
	f.BoolVar(&selftest, "selftest", false, "run the original's test against the lab, report and exit")
	f.BoolVar(&jsonOut, "json", false, "with --selftest: print the report as JSON")
	f.StringArrayVar(&o.NotifyWebhooks, "notify-webhook", nil, "also send incidents to this webhook URL (repeatable)")
	cmd.AddCommand(newLabAttackCmd())
	return cmd
}

// runLab runs the lab until ctx ends.
func runLab(ctx context.Context, out io.Writer, o lab.Options) error {
	o.Progress = out
	l, err := lab.Start(ctx, o)
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintln(out, "lab: interrupted")
			return nil
		}
		return &ExitError{Code: 1, Err: err}
	}
	l.WriteSummary(out, progName())
	<-ctx.Done()
	fmt.Fprintln(out, "\nlab: stopping")
	if err := l.Close(); err != nil {
		return &ExitError{Code: 1, Err: err}
	}
	fmt.Fprintf(out, "lab: stopped; its data stays in %s until the next start\n", l.Dir())
	return nil
}

// runSelftest runs the selftest and sets the exit status: 0 passed, 1
// failed, 2 the lab could not run.
func runSelftest(ctx context.Context, out, errOut io.Writer, o lab.Options, jsonOut bool) error {
	o.Progress = out
	if jsonOut {
		o.Progress = errOut
	}
	rep, err := lab.Selftest(ctx, o)
	if err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	if jsonOut {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
		for _, p := range rep.Problems {
			fmt.Fprintln(errOut, "lab selftest:", p)
		}
	} else {
		rep.WriteText(out)
	}
	if !rep.OK {
		return &ExitError{Code: 1}
	}
	return nil
}

func newLabAttackCmd() *cobra.Command {
	var o lab.AttackOptions
	cmd := &cobra.Command{
		Use:   "attack [--dir DIR] [--vault V] [--as IDENTITY]",
		Short: "Play an outside identity against the running lab",
		Long: `attack plays an outside identity against the lab running in --dir, with the Azure SDK:
the original solution's own test (download the public key of a decoy key, read a decoy
secret), then what an intruder does next (list a vault's secrets and read each), and a try
at a vault it has no permission on (403s, which honeyvault also alerts on when they name a
decoy), and last it covers its tracks: it deletes a decoy vault's diagnostic setting through
Resource Manager and reads a decoy there, which only honeyvault's tamper alert on the
deletion catches (the setting stays deleted until the lab restarts). Then it uses stolen
canary values outside Key Vault, and reads a decoy in the lab's HashiCorp Vault (the
official client, KV v2) and in its AWS Secrets Manager (aws-sdk-go-v2, GetSecretValue) as
the identity's Vault token and role session. --vault keeps it to one vault (and to Key
Vault). Identities (--as):
  ` + strings.Join(lab.Identities(), "\n  "),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			o.Out = cmd.OutOrStdout()
			if err := lab.Attack(ctx, o); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return &ExitError{Code: 1, Err: err}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Dir, "dir", lab.DefaultDir, "directory of the running lab")
	f.StringVar(&o.Vault, "vault", "", "attack only this vault")
	f.StringVar(&o.As, "as", "", "outside identity to play (default: the first listed)")
	return cmd
}

// progName is how the user ran honeyvault, for the commands the lab
// suggests: "./bin/honeyvault" when run by path, else "honeyvault".
func progName() string {
	if p := os.Args[0]; strings.Contains(p, "/") && !strings.HasSuffix(p, ".test") {
		return p
	}
	return "honeyvault"
}
