package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/deploy"
	"github.com/honeyvault/honeyvault/internal/lab"
	"github.com/honeyvault/honeyvault/internal/store"
)

// plantOverrides point the plant verbs at something other than the
// configured Azure (the Key Vault emulator, in tests); the zero value
// overrides nothing.
var plantOverrides deploy.Overrides

// plantFlags are the settings the plant, retire and reconcile verbs share.
type plantFlags struct {
	subscriptions []string
	lab           string
}

func (f *plantFlags) register(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.String("config", "", "YAML config file (env "+config.FileEnv+")")
	fs.String("db", "", "database: sqlite:PATH or postgres://... (env HONEYVAULT_DB; default "+config.Default().DB+")")
	fs.StringArrayVar(&f.subscriptions, "subscription", nil, "`SUBSCRIPTION` id to look for vaults in (repeatable; env HONEYVAULT_PLANT_SUBSCRIPTIONS; default: all the identity can see)")
	fs.StringVar(&f.lab, "lab", "", "work on the lab running in `DIR` (honeyvault lab --dir DIR): its emulator as its planter, its database")
}

// load reads the settings (flag > environment > file > default) and
// applies the verb's own flags through apply, which may change the plant
// settings before they are validated again.
func (f *plantFlags) load(cmd *cobra.Command, apply func(*config.Plant) error) (config.Config, error) {
	cfg, err := config.Load(cmd.Flags(), os.Getenv)
	if err != nil {
		return cfg, err
	}
	if cmd.Flags().Changed("subscription") {
		cfg.Plant.Subscriptions = f.subscriptions
	}
	if cmd.Flags().Changed("lab") {
		if cmd.Flags().Changed("db") {
			return cfg, errors.New("--lab and --db exclude each other: the lab's database is in its directory")
		}
		if cfg.DB, err = lab.DSN(f.lab); err != nil {
			return cfg, err
		}
		// The lab's emulator knows nothing of the file's subscriptions.
		cfg.Plant.Subscriptions = f.subscriptions
		// Nor of its Vault clusters and AWS account: the lab's own, as its
		// planter.
		cfg.Vault, cfg.AWS = lab.SecretStores(f.lab)
	}
	if apply != nil {
		if err := apply(&cfg.Plant); err != nil {
			return cfg, err
		}
	}
	return cfg, cfg.Plant.Validate()
}

// plantSession is what a plant verb works with.
type plantSession struct {
	cfg      config.Config
	store    *store.Store
	deployer *deploy.Deployer
	lab      *lab.Target // with --lab: the running lab
}

// start traps SIGINT and SIGTERM (ending the returned context) and opens
// the session (see open) on stderr; end releases both. Its error is the
// ExitError a verb returns.
func (f *plantFlags) start(cmd *cobra.Command, cfg config.Config) (ctx context.Context, sess *plantSession, end func(), err error) {
	ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
	sess, err = f.open(ctx, cfg, cmd.ErrOrStderr())
	if err != nil {
		stop()
		return nil, nil, nil, &ExitError{Code: 1, Err: err}
	}
	return ctx, sess, func() { sess.Close(); stop() }, nil
}

// open signs in (to the running lab's emulator with --lab) and opens the
// database load chose.
func (f *plantFlags) open(ctx context.Context, cfg config.Config, stderr io.Writer) (*plantSession, error) {
	sess := &plantSession{cfg: cfg}
	o := plantOverrides
	if f.lab != "" {
		t, err := lab.Connect(ctx, f.lab)
		if err != nil {
			return nil, err
		}
		sess.lab, o = t, t.Overrides
	}
	st, err := store.Open(ctx, cfg.DB)
	if err != nil {
		sess.Close()
		return nil, err
	}
	sess.store = st
	d, err := deploy.Setup(ctx, cfg.Plant, st, o, newLogger(cfg.Log, stderr))
	if err != nil {
		sess.Close()
		return nil, err
	}
	if d.Canaries, err = deploy.CanariesOf(cfg.Canary); err != nil {
		sess.Close()
		return nil, err
	}
	d.Actor = cliActor()
	sess.deployer = d
	return sess, nil
}

// settle, with --lab, waits until the running lab's honeyvault watches the
// registry as it now is and points `lab attack` at its decoys.
func (s *plantSession) settle(ctx context.Context, stderr io.Writer) error {
	if s.lab == nil {
		return nil
	}
	fmt.Fprintln(stderr, "waiting for the lab's honeyvault to pick up the change...")
	return s.lab.Settle(context.WithoutCancel(ctx))
}

func (s *plantSession) Close() error {
	if s.lab != nil {
		s.lab.Close()
	}
	if s.store != nil {
		return s.store.Close()
	}
	return nil
}

// isTerminal reports whether w is a terminal (progress bars and the
// warning about decoy names depend on it).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// splitList reads a comma-separated flag value.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// usageErr is a bad-usage exit (status 2).
func usageErr(format string, args ...any) error {
	return &ExitError{Code: 2, Err: fmt.Errorf(format, args...)}
}

// settleStores, with --lab, settles the running lab after a change to its
// Vault or Secrets Manager decoys alone (no Key Vault session was opened):
// its honeyvault watches the change, and lab attack plays against it.
func (f *plantFlags) settleStores(ctx context.Context, stderr io.Writer) error {
	if f.lab == "" {
		return nil
	}
	t, err := lab.Connect(ctx, f.lab)
	if err != nil {
		return err
	}
	defer t.Close()
	fmt.Fprintln(stderr, "waiting for the lab's honeyvault to pick up the change...")
	return t.Settle(context.WithoutCancel(ctx))
}
