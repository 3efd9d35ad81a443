package cli

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/notify"
	"github.com/honeyvault/honeyvault/internal/notify/receivers"
)

func newNotifyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "notify",
		Short: "Work with notification channels",
	}
	var only string
	test := &cobra.Command{
		Use:   "test [--channel NAME]",
		Short: "Send a test message to every notification channel (or one)",
		Long: `Send a test message — clearly marked as a test, about no real incident — to every
notification channel the configuration defines (the same --config, flags and
HONEYVAULT_* variables as serve), or only to --channel NAME. Prints one line per
channel; exits 1 if any channel failed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load(cmd.Flags(), os.Getenv)
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			chs, err := receivers.FromConfig(cfg.Notify, os.Getenv)
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			var names []string
			var chosen []notify.Channel
			for _, c := range chs {
				names = append(names, c.Name)
				if only == "" || c.Name == only {
					chosen = append(chosen, c)
				}
			}
			switch {
			case len(chs) == 0:
				return &ExitError{Code: 2, Err: fmt.Errorf("no notification channels configured (notify.webhooks, notify.channels)")}
			case len(chosen) == 0:
				return &ExitError{Code: 2, Err: fmt.Errorf("no channel %q (channels: %s)", only, strings.Join(names, ", "))}
			}
			base := cfg.ExternalURL
			if base == "" {
				base = "http://" + cfg.Listen
			}
			failed := 0
			for _, c := range chosen {
				if err := notify.SendTest(cmd.Context(), c, base, time.Now().UTC()); err != nil {
					failed++
					fmt.Fprintf(cmd.OutOrStdout(), "%s (%s): FAILED: %v\n", c.Name, c.Type, err)
					continue
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s (%s): sent\n", c.Name, c.Type)
			}
			if failed > 0 {
				return &ExitError{Code: 1, Err: fmt.Errorf("%d of %d channels failed", failed, len(chosen))}
			}
			return nil
		},
	}
	test.Flags().StringVar(&only, "channel", "", "only this channel")
	config.AddFlags(test.Flags())
	cmd.AddCommand(test)
	return cmd
}
