package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/store"
)

// plantOverrides point the plant verbs at something other than the
// configured Azure (the Key Vault emulator, in tests); the zero value
// overrides nothing.
var plantOverrides plant.Overrides

// plantFlags are the settings the plant, retire and reconcile verbs share.
type plantFlags struct {
	subscriptions []string
}

func (f *plantFlags) register(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.String("config", "", "YAML config file (env "+config.FileEnv+")")
	fs.String("db", "", "database: sqlite:PATH or postgres://... (env HONEYVAULT_DB; default "+config.Default().DB+")")
	fs.StringArrayVar(&f.subscriptions, "subscription", nil, "`SUBSCRIPTION` id to look for vaults in (repeatable; env HONEYVAULT_PLANT_SUBSCRIPTIONS; default: all the identity can see)")
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
	deployer *plant.Deployer
}

func openPlantSession(ctx context.Context, cfg config.Config, stderr io.Writer) (*plantSession, error) {
	st, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	d, err := plant.Setup(ctx, cfg.Plant, st, plantOverrides, newLogger(cfg.Log, stderr))
	if err != nil {
		st.Close()
		return nil, err
	}
	d.Actor = cliActor()
	return &plantSession{cfg: cfg, store: st, deployer: d}, nil
}

func (s *plantSession) Close() error { return s.store.Close() }

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
