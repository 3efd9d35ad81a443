package cli

import (
	"context"
	"os"

	"github.com/spf13/cobra"

	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/store"
)

// storeOpener opens the database a verb was pointed at.
type storeOpener func(context.Context) (*store.Store, error)

// addDBFlag gives cmd (and its sub-commands) a --db flag, for verbs that work
// on the database directly rather than through a running server, and
// returns what opens it: --db, else HONEYVAULT_DB, else the default.
func addDBFlag(cmd *cobra.Command) storeOpener {
	var dsn string
	cmd.PersistentFlags().StringVar(&dsn, "db", "", "database (default from HONEYVAULT_DB, else "+config.Default().DB+")")
	return func(ctx context.Context) (*store.Store, error) {
		d := dsn
		if d == "" {
			d = os.Getenv("HONEYVAULT_DB")
		}
		if d == "" {
			d = config.Default().DB
		}
		return store.Open(ctx, d)
	}
}
