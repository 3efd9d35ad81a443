package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/client"
)

// apiFlags are what every verb that talks to a running server shares.
type apiFlags struct {
	addr     string
	jsonOut  bool
	clientFn func() (*client.Client, error)
}

func (f *apiFlags) register(cmd *cobra.Command) {
	cmd.PersistentFlags().StringVar(&f.addr, "addr", "", "server address (default $"+client.AddrEnv+", else "+client.DefaultAddr+"); the token comes from $"+client.TokenEnv)
	cmd.PersistentFlags().BoolVar(&f.jsonOut, "json", false, "print the API's JSON instead of a table")
	f.clientFn = func() (*client.Client, error) { return client.FromEnv(os.Getenv, f.addr) }
}

// apiErr turns a client error into the exit status: 2 for what the user
// gave wrong (the server said 400 or 404), 1 for everything else.
func apiErr(err error) error {
	var ce *client.Error
	if errors.As(err, &ce) && (ce.Status == 400 || ce.Status == 404 || ce.Status == 409) {
		return &ExitError{Code: 2, Err: err}
	}
	return &ExitError{Code: 1, Err: err}
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func parseID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 1 {
		return 0, &ExitError{Code: 2, Err: fmt.Errorf("%q is not an incident id", s)}
	}
	return id, nil
}

func newIncidentsCmd() *cobra.Command {
	var f apiFlags
	cmd := &cobra.Command{
		Use:   "incidents",
		Short: "List, show, close and comment on incidents of a running server",
		Long: `List, show, close and comment on the incidents of a running honeyvault server
through its REST API. The server's address comes from --addr or ` + client.AddrEnv + `
(default ` + client.DefaultAddr + `), the bearer token from ` + client.TokenEnv + `
(an analyst or admin token). Output is a table; --json prints the API's JSON.`,
	}
	f.register(cmd)
	cmd.AddCommand(incidentsListCmd(&f), incidentsShowCmd(&f), incidentsCloseCmd(&f), incidentsCommentCmd(&f),
		incidentsAssignCmd(&f), incidentsReopenCmd(&f))
	return cmd
}

func incidentsListCmd(f *apiFlags) *cobra.Command {
	var q client.IncidentQuery
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List incidents, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.clientFn()
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			list, err := c.ListIncidents(cmd.Context(), q)
			if err != nil {
				return apiErr(err)
			}
			if f.jsonOut {
				return printJSON(cmd.OutOrStdout(), list)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSEVERITY\tSTATUS\tVAULT\tCALLER\tALERTS\tDECOYS\tLAST SEEN\tTITLE")
			for _, in := range list.Incidents {
				status := in.Status
				if in.Classification != "" {
					status += " (" + in.Classification + ")"
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\n", in.ID, in.Severity, status, in.Vault, dash(in.Caller),
					in.AlertCount, in.DecoyCount, in.LastSeen.UTC().Format(time.RFC3339), in.Title)
			}
			tw.Flush()
			if list.NextBefore > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "more: --before %d\n", list.NextBefore)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&q.Status, "status", "", "new, active, closed or open")
	cmd.Flags().StringVar(&q.Severity, "severity", "", "medium, high or critical")
	cmd.Flags().StringVar(&q.Vault, "vault", "", "vault name or ARM id")
	cmd.Flags().IntVar(&q.Limit, "limit", 50, "at most this many")
	cmd.Flags().Int64Var(&q.Before, "before", 0, "only incidents with ids below this (paging)")
	return cmd
}

func incidentsShowCmd(f *apiFlags) *cobra.Command {
	var window string
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show an incident: alerts, entities, history and related activity",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			c, err := f.clientFn()
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			d, err := c.GetIncident(cmd.Context(), id, window)
			if err != nil {
				return apiErr(err)
			}
			if f.jsonOut {
				return printJSON(cmd.OutOrStdout(), d)
			}
			writeIncident(cmd.OutOrStdout(), d)
			return nil
		},
	}
	cmd.Flags().StringVar(&window, "window", "", "related activity this long before and after the incident (default 24h, at most 168h)")
	return cmd
}

func writeIncident(w io.Writer, d api.IncidentDetail) {
	in := d.Incident
	fmt.Fprintf(w, "Incident %d: %s\n", in.ID, in.Title)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	status := in.Status
	if in.Classification != "" {
		status += " (" + in.Classification + ")"
	}
	for _, kv := range [][2]string{
		{"Severity", in.Severity}, {"Status", status}, {"Owner", dash(in.Owner)}, {"Vault", in.VaultID},
		{"Caller", dash(in.Caller)}, {"First seen", in.FirstSeen.UTC().Format(time.RFC3339)},
		{"Last seen", in.LastSeen.UTC().Format(time.RFC3339)}, {"Alerts", fmt.Sprintf("%d on %d decoy(s)", in.AlertCount, in.DecoyCount)},
	} {
		fmt.Fprintf(tw, "  %s:\t%s\n", kv[0], kv[1])
	}
	if in.PreviousID != 0 {
		fmt.Fprintf(tw, "  Follows:\tincident %d\n", in.PreviousID)
	}
	tw.Flush()

	fmt.Fprintln(w, "\nAlerts:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  TIME\tSEVERITY\tOPERATION\tDECOY\tSTATUS\tCALLER\tIP")
	for _, a := range d.Alerts {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s/%s (%s)\t%d\t%s\t%s\n", a.Time.UTC().Format(time.RFC3339), a.Severity, a.Operation,
			a.Vault, a.Token, a.TokenType, a.Status, dash(callerName(a.Caller)), dash(a.Caller.IP))
	}
	tw.Flush()
	if d.AlertsTruncated {
		fmt.Fprintln(w, "  … more alerts: see --json or the console")
	}

	e := d.Entities
	fmt.Fprintln(w, "\nEntities:")
	var accounts []string
	for _, a := range e.Accounts {
		accounts = append(accounts, callerName(a))
	}
	for _, kv := range [][2]string{{"Accounts", strings.Join(accounts, ", ")}, {"IPs", strings.Join(e.IPs, ", ")},
		{"Operations", strings.Join(e.Operations, ", ")}, {"Clients", strings.Join(e.ClientInfos, ", ")}} {
		fmt.Fprintf(w, "  %s: %s\n", kv[0], dash(kv[1]))
	}

	fmt.Fprintln(w, "\nHistory:")
	for _, h := range d.History {
		line := fmt.Sprintf("  %s %s %s", h.Time.UTC().Format(time.RFC3339), h.Actor, h.Action)
		if h.OldValue != "" || h.NewValue != "" {
			line += fmt.Sprintf(" %s→%s", dash(h.OldValue), dash(h.NewValue))
		}
		if h.Detail != "" {
			line += ": " + h.Detail
		}
		fmt.Fprintln(w, line)
	}

	r := d.Related
	fmt.Fprintf(w, "\nRelated activity of the caller, %s to %s (%d events):\n", r.From.UTC().Format(time.RFC3339), r.To.UTC().Format(time.RFC3339), len(r.Events))
	for _, ev := range r.Events {
		obj := ev.ObjectName
		if obj != "" {
			obj = " " + ev.ObjectType + " " + obj
		}
		fmt.Fprintf(w, "  %s %s %s%s %d %s\n", ev.Time.UTC().Format(time.RFC3339), ev.Vault, ev.Operation, obj, ev.Status, ev.StatusText)
	}
	if r.Truncated {
		fmt.Fprintln(w, "  … more: see --json")
	}
	for _, o := range r.Others {
		fmt.Fprintf(w, "\nOthers on %s:\n", o.Vault)
		for _, c := range o.Callers {
			from, to := c.First.UTC().Format(time.RFC3339), c.Last.UTC().Format(time.RFC3339)
			if c.Unauthenticated {
				// An address without an identity is not an actor: the SDK's
				// tokenless auth challenge, as the console says.
				fmt.Fprintf(w, "  unauthenticated requests from %s (no token: the auth challenge) %d requests %s to %s\n", c.IP, c.Events, from, to)
				continue
			}
			fmt.Fprintf(w, "  %s %s %d events %s to %s\n", c.Caller, dash(c.UPN), c.Events, from, to)
		}
	}
}

func callerName(c api.Caller) string {
	for _, v := range []string{c.UPN, c.ObjectID, c.AppID} {
		if v != "" {
			return v
		}
	}
	return ""
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// changeCmd builds a verb that changes one incident and prints it.
func changeCmd(f *apiFlags, use, short string, nargs cobra.PositionalArgs, setup func(*cobra.Command),
	do func(cmd *cobra.Command, c *client.Client, id int64, args []string) (api.Incident, error)) *cobra.Command {
	cmd := &cobra.Command{
		Use: use, Short: short, Args: nargs,
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			c, err := f.clientFn()
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			in, err := do(cmd, c, id, args[1:])
			if err != nil {
				return apiErr(err)
			}
			if f.jsonOut {
				return printJSON(cmd.OutOrStdout(), in)
			}
			status := in.Status
			if in.Classification != "" {
				status += " (" + in.Classification + ")"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "incident %d: %s, owner %s\n", in.ID, status, dash(in.Owner))
			return nil
		},
	}
	if setup != nil {
		setup(cmd)
	}
	return cmd
}

func incidentsCloseCmd(f *apiFlags) *cobra.Command {
	var class, comment string
	return changeCmd(f, "close ID --classification true_positive|benign_positive|false_positive [--comment TEXT]",
		"Close an incident with a classification", cobra.ExactArgs(1),
		func(cmd *cobra.Command) {
			cmd.Flags().StringVar(&class, "classification", "", "true_positive, benign_positive or false_positive (required)")
			cmd.Flags().StringVar(&comment, "comment", "", "why")
		},
		func(cmd *cobra.Command, c *client.Client, id int64, _ []string) (api.Incident, error) {
			return c.CloseIncident(cmd.Context(), id, api.CloseRequest{Classification: class, Comment: comment})
		})
}

func incidentsCommentCmd(f *apiFlags) *cobra.Command {
	return changeCmd(f, "comment ID TEXT...", "Add a comment to an incident", cobra.MinimumNArgs(2), nil,
		func(cmd *cobra.Command, c *client.Client, id int64, args []string) (api.Incident, error) {
			return c.CommentIncident(cmd.Context(), id, strings.Join(args, " "))
		})
}

func incidentsAssignCmd(f *apiFlags) *cobra.Command {
	return changeCmd(f, "assign ID OWNER", "Give an incident to someone (\"\" to unassign)", cobra.ExactArgs(2), nil,
		func(cmd *cobra.Command, c *client.Client, id int64, args []string) (api.Incident, error) {
			return c.AssignIncident(cmd.Context(), id, args[0])
		})
}

func incidentsReopenCmd(f *apiFlags) *cobra.Command {
	var comment string
	return changeCmd(f, "reopen ID [--comment TEXT]", "Reopen a closed incident", cobra.ExactArgs(1),
		func(cmd *cobra.Command) { cmd.Flags().StringVar(&comment, "comment", "", "why") },
		func(cmd *cobra.Command, c *client.Client, id int64, _ []string) (api.Incident, error) {
			return c.ReopenIncident(cmd.Context(), id, comment)
		})
}
