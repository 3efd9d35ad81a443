package cli

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/honeyvault/honeyvault/internal/app"
	"github.com/honeyvault/honeyvault/internal/config"
)

func newServeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the honeyvault server (REST API, ingestion, detection, notifications)",
		Long: `Run the honeyvault server.

Every setting comes from a flag, a HONEYVAULT_* environment variable or the YAML
config file, in that order of precedence; honeyvault.example.yaml documents them all.
Settings without a flag:
` + envOnlySettings(),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load(cmd.Flags(), os.Getenv)
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			log := newLogger(cfg.Log, cmd.ErrOrStderr())
			_, follow := applyMemoryLimit(cfg.Limits.MemoryLimit, cgroupMemoryMax, log)
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			srv, err := app.New(ctx, cfg, log)
			if err != nil {
				return &ExitError{Code: 1, Err: err}
			}
			if follow {
				// After the start: its garbage (the registry's read)
				// is gone and the live heap is what serving holds.
				defer followMemory(log).stop()
			}
			if err := srv.ListenAndServe(ctx); err != nil {
				return &ExitError{Code: 1, Err: err}
			}
			return nil
		},
	}
	config.AddFlags(cmd.Flags())
	return cmd
}

func envOnlySettings() string {
	var b strings.Builder
	for _, s := range config.Settings {
		if s.Flag == "" && s.Env != "" {
			fmt.Fprintf(&b, "  %-26s %s\n", s.Env, s.Usage)
		}
	}
	fmt.Fprintf(&b, "  %-26s %s\n", config.FileEnv, "config file, when --config is not given")
	return b.String()
}

// newLogger builds the process logger from the log settings.
func newLogger(c config.Log, w io.Writer) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(c.Level)) // validated by config
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
