package cli

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/honeyvault/honeyvault/internal/auth"
	"github.com/honeyvault/honeyvault/internal/store"
)

func newTokenCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Create, list and revoke API tokens",
		Long: `Create, list and revoke API tokens. Works on the database directly (--db or
HONEYVAULT_DB), so it needs no running server; every change is recorded in the
audit trail as done by cli:USER.

Roles: admin (everything), analyst (incidents, decoys, coverage), owner (decoys
and coverage of its --scope only), ingest (post audit records only), metrics
(read every metric on /metrics, for a Prometheus scraper; nothing else).`,
	}
	open := addDBFlag(cmd)
	cmd.AddCommand(newTokenCreateCmd(open), newTokenListCmd(open), newTokenRevokeCmd(open))
	return cmd
}

// cliActor names the person running a command in the audit trail.
func cliActor() string {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	if name == "" {
		name = "unknown"
	}
	return "cli:" + name
}

func newTokenCreateCmd(open storeOpener) *cobra.Command {
	var role, name, expires string
	var scope []string
	cmd := &cobra.Command{
		Use:   "create --role ROLE [--scope SCOPE]... [--expires WHEN] [--name NAME]",
		Short: "Create an API token and print it (only this once) on stdout",
		Long: `Create an API token and print it on stdout. It is shown only this once:
honeyvault keeps only its hash.

--scope (owners only, repeatable or comma-separated): a subscription id, a vault
name or a vault resource id. --expires: never (default), a duration (90d, 12h),
a date (2027-01-31) or an RFC 3339 time.`,
		Example: `  honeyvault token create --role ingest --name eventgrid-forwarder --expires 365d
  honeyvault token create --role owner --scope kv-payments-prod --scope 1111...-5555 --expires 90d`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			now := time.Now().UTC()
			r, err := auth.ParseRole(role)
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			sc, err := auth.ParseScope(scope)
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			exp, err := auth.ParseExpiry(expires, now)
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			req := auth.TokenRequest{Name: name, Role: r, Scope: sc, ExpiresAt: exp}
			if err := req.Validate(now); err != nil { // before opening the database: bad input changes nothing
				return &ExitError{Code: 2, Err: err}
			}
			st, err := open(cmd.Context())
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			defer st.Close()
			plain, t, err := auth.IssueToken(cmd.Context(), st, req, store.AuditEntry{Actor: cliActor()}, now)
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			fmt.Fprintln(cmd.OutOrStdout(), plain)
			fmt.Fprintf(cmd.ErrOrStderr(), "created token %d %q (role %s%s, expires %s); it is shown only this once\n",
				t.ID, t.Name, t.Role, tokenScopeNote(sc), tokenExpiryNote(t.ExpiresAt))
			return nil
		},
	}
	cmd.Flags().StringVar(&role, "role", "", "admin, analyst, owner, ingest or metrics (required)")
	cmd.Flags().StringArrayVar(&scope, "scope", nil, "owner scope: subscription id, vault name or vault resource id (repeatable)")
	cmd.Flags().StringVar(&expires, "expires", "never", "never, a duration (90d, 12h), a date (2027-01-31) or an RFC 3339 time")
	cmd.Flags().StringVar(&name, "name", "", "a label for the token (default \"ROLE token\")")
	cmd.MarkFlagRequired("role")
	return cmd
}

func tokenScopeNote(sc auth.Scope) string {
	if sc.Empty() {
		return ""
	}
	return ", scope " + sc.String()
}

func tokenExpiryNote(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.Format(time.RFC3339)
}

func newTokenListCmd(open storeOpener) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List API tokens (never the tokens themselves)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := open(cmd.Context())
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			defer st.Close()
			tokens, err := st.ListTokens(cmd.Context())
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			now := time.Now()
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tPREFIX\tROLE\tSCOPE\tCREATED\tEXPIRES\tLAST USED\tSTATUS")
			for _, t := range tokens {
				sc := auth.Scope{Subscriptions: t.Subscriptions, Vaults: t.Vaults}.String()
				if sc == "" {
					sc = "-"
				}
				fmt.Fprintf(tw, "%d\t%s\t%s…\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Prefix, t.Role, sc,
					tokenTime(t.CreatedAt), tokenOrNever(tokenTime(t.ExpiresAt)), tokenOrNever(tokenTime(t.LastUsedAt)), tokenStatus(t, now))
			}
			return tw.Flush()
		},
	}
}

func tokenTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04")
}

func tokenOrNever(s string) string {
	if s == "" {
		return "never"
	}
	return s
}

func tokenStatus(t store.APIToken, now time.Time) string {
	switch {
	case !t.RevokedAt.IsZero():
		return "revoked"
	case !t.Usable(now):
		return "expired"
	}
	return "active"
}

func newTokenRevokeCmd(open storeOpener) *cobra.Command {
	return &cobra.Command{
		Use:   "revoke ID...",
		Short: "Revoke API tokens (and end the console sessions opened with them)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ids := make([]int64, 0, len(args))
			for _, a := range args {
				id, err := strconv.ParseInt(strings.TrimSpace(a), 10, 64)
				if err != nil || id < 1 {
					return &ExitError{Code: 2, Err: fmt.Errorf("%q is not a token id (see honeyvault token list)", a)}
				}
				ids = append(ids, id)
			}
			st, err := open(cmd.Context())
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			defer st.Close()
			var failed error
			for _, id := range ids {
				err := auth.RevokeToken(cmd.Context(), st, id, store.AuditEntry{Actor: cliActor()}, time.Now().UTC())
				switch {
				case errors.Is(err, store.ErrNotFound):
					failed = errors.Join(failed, fmt.Errorf("token %d: no such token", id))
				case errors.Is(err, store.ErrConflict):
					fmt.Fprintf(cmd.ErrOrStderr(), "token %d was already revoked\n", id)
				case err != nil:
					failed = errors.Join(failed, err)
				default:
					fmt.Fprintf(cmd.OutOrStdout(), "revoked token %d\n", id)
				}
			}
			if failed != nil {
				return &ExitError{Code: 1, Err: failed}
			}
			return nil
		},
	}
}
