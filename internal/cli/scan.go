package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/scan"
)

func newScanCmd() *cobra.Command {
	var watchlists, allow []string
	var format, vaultCluster string
	cmd := &cobra.Command{
		Use:   "scan [--watchlist CSV]... [--allow IDENTITY]... [--format text|jsonl] [--vault-cluster NAME] [PATH|-]...",
		Short: "Retro-hunt: search audit-log archives for decoy accesses",
		Long: `Search Key Vault audit logs for accesses to decoys. Inputs are files in any shape
(AuditEvent records, {"records":[...]} documents pretty-printed or not, JSON lines,
AzureDiagnostics or AZKVAuditLogs rows, the Log Analytics query API's {"tables":[...]}
answer, the portal's CSV export of those tables; for AWS Secrets Manager decoys,
CloudTrail log files as S3 holds them (.json.gz), CloudTrail records one a line and
EventBridge events), gzip-compressed or not; the layout
is decided per record, so a file may switch between them. "-" or no path reads
standard input. Decoys come from Sentinel HoneyTokens watchlist CSVs. Accesses by an
--allow identity (object id, app id or UPN) are suppressed: counted, not printed.

Alerts go to standard output, one a line; malformed records are warned about on
standard error as file:line and skipped; a summary ends on standard error. For speed,
only records that may touch a decoy are parsed in full: other JSON lines are checked
for framing (one JSON value, not cut off) and counted.
Exit status: 0 no alert, 1 alerts found, 2 error — including an input from which no
Key Vault audit record could be read (the wrong file), which is named with what it
looks like.

HashiCorp Vault / OpenBao audit logs (the file device's JSON lines, with or without
the device's prefix or a syslog header before each entry) are read too. Their
entries do not say which Vault cluster wrote them: --vault-cluster names it; by
default it is the one cluster the watchlists' Vault decoys are in, else "default".
A call logged as a request and a response entry alerts once.`,
		DisableFlagsInUseLine: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScan(cmd, watchlists, allow, format, vaultCluster, args)
		},
	}
	cmd.Flags().StringArrayVar(&watchlists, "watchlist", nil, "Sentinel HoneyTokens watchlist CSV listing the decoys (repeatable)")
	cmd.Flags().StringArrayVar(&allow, "allow", nil, "object id, app id or UPN whose accesses are suppressed (repeatable)")
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or jsonl")
	cmd.Flags().StringVar(&vaultCluster, "vault-cluster", "", "the Vault cluster whose audit logs are scanned (default: the watchlists' one Vault cluster, else \"default\")")
	return cmd
}

func runScan(cmd *cobra.Command, watchlists, allow []string, format, vaultCluster string, paths []string) error {
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	if format != "text" && format != "jsonl" {
		return &ExitError{Code: 2, Err: fmt.Errorf("scan: --format %q: want text or jsonl", format)}
	}
	decoys, err := readWatchlists(watchlists)
	if err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	var rules detect.AllowList
	for _, id := range allow {
		r := detect.AllowRule{Identity: strings.TrimSpace(id), Note: "--allow"}
		if err := r.Validate(); err != nil {
			return &ExitError{Code: 2, Err: fmt.Errorf("scan: --allow %q: %w", id, err)}
		}
		rules = append(rules, r)
	}
	// The prefilter is built on the other core while the index is: both
	// are start-up time, before the first byte is read.
	prefilter := make(chan *detect.Prefilter, 1)
	go func() { prefilter <- detect.PrefilterOf(decoys) }()
	ix, err := detect.NewIndex(decoys)
	if err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	if vaultCluster == "" {
		vaultCluster = onlyVaultCluster(decoys)
	} else if err := auditlog.ValidVaultCluster(vaultCluster); err != nil {
		return &ExitError{Code: 2, Err: fmt.Errorf("scan: --vault-cluster: %w", err)}
	}

	out := bufio.NewWriterSize(stdout, 64<<10)
	warn := bufio.NewWriter(stderr)
	s := &scan.Scanner{
		Matcher:      detect.NewMatcher(ix, rules),
		Prefilter:    <-prefilter,
		VaultCluster: vaultCluster,
		OnAlert: func(a detect.Alert) {
			if a.Suppressed {
				return
			}
			if format == "jsonl" {
				writeAlertJSON(out, &a)
			} else {
				writeAlertText(out, &a)
			}
		},
		OnMalformed: func(re *auditlog.RecordError) {
			fmt.Fprintf(warn, "%s: malformed record: %v", re.Pos, re.Err)
			if re.Rest {
				fmt.Fprint(warn, " ("+auditlog.RestSkipped+")")
			}
			fmt.Fprintln(warn)
		},
	}

	if len(paths) == 0 {
		paths = []string{"-"}
	}
	inputs := make([]scan.Input, len(paths))
	for i, p := range paths {
		inputs[i] = scan.FileInput(p)
		if p == "-" {
			inputs[i] = scan.Input{Name: "<stdin>", Open: func() (io.ReadCloser, error) { return io.NopCloser(cmd.InOrStdin()), nil }}
		}
	}
	start := time.Now()
	total, errs := s.ScanAll(cmd.Context(), inputs)
	warn.Flush()
	failed := false
	for _, err := range errs {
		if err != nil {
			failed = true
			fmt.Fprintln(warn, "honeyvault:", err)
		}
	}
	if err := out.Flush(); err != nil {
		failed = true
		fmt.Fprintln(warn, "honeyvault: scan: writing output:", err)
	}
	elapsed := time.Since(start)
	fmt.Fprintf(warn, "honeyvault scan: %d files, %d records, %d malformed, %d alerts, %d suppressed; %d decoys; %s in %.2fs (%.0f MB/s)\n",
		total.Files, total.Records, total.Malformed, total.Alerts, total.Suppressed, ix.Len(),
		byteSize(total.Bytes), elapsed.Seconds(), float64(total.Bytes)/1e6/max(elapsed.Seconds(), 1e-9))
	warn.Flush()
	switch {
	case failed:
		return &ExitError{Code: 2}
	case total.Alerts > 0:
		return &ExitError{Code: 1}
	}
	return nil
}

func readWatchlists(paths []string) ([]registry.Decoy, error) {
	if len(paths) == 0 {
		return nil, errors.New("scan: no decoys to look for: give --watchlist CSV (Sentinel HoneyTokens format)")
	}
	var all []registry.Decoy
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
		ds, err := registry.ReadWatchlist(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("scan: %s: %w", p, err)
		}
		all = append(all, ds...)
	}
	if len(all) == 0 {
		return nil, errors.New("scan: the watchlists list no decoys")
	}
	return all, nil
}

// alertJSON is one line of --format jsonl (fields as in SPEC.md, plus a few).
type alertJSON struct {
	Time          string     `json:"time"`
	CorrelationID string     `json:"correlation_id"`
	VaultID       string     `json:"vault_id"`
	Vault         string     `json:"vault"`
	Token         string     `json:"token"`
	TokenType     string     `json:"token_type"`
	ObjectType    string     `json:"object_type"`
	Operation     string     `json:"operation"`
	Class         string     `json:"class"`
	Status        int        `json:"status"`
	Result        string     `json:"result,omitempty"`
	Severity      string     `json:"severity"`
	Caller        callerJSON `json:"caller"`
	RequestURI    string     `json:"request_uri,omitempty"`
	File          string     `json:"file"`
	Line          int64      `json:"line"`
	Offset        int64      `json:"offset"`
}

type callerJSON struct {
	ObjectID   string `json:"object_id"`
	UPN        string `json:"upn"`
	AppID      string `json:"app_id"`
	IP         string `json:"ip"`
	ClientInfo string `json:"client_info,omitempty"`
}

func writeAlertJSON(w io.Writer, a *detect.Alert) {
	ev := &a.Event
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(alertJSON{
		Time: ev.Time.Format(time.RFC3339Nano), CorrelationID: ev.CorrelationID,
		VaultID: a.Decoy.VaultID, Vault: a.Decoy.VaultName, Token: a.Decoy.Name, TokenType: string(a.Decoy.Type),
		ObjectType: string(ev.ObjectType), Operation: ev.Operation, Class: string(a.Class),
		Status: ev.HTTPStatus, Result: ev.ResultSignature, Severity: string(a.Severity),
		Caller: callerJSON{
			ObjectID: ev.Caller.ObjectID, UPN: ev.Caller.UPN, AppID: ev.Caller.AppID, IP: ev.Caller.IP,
			ClientInfo: ev.Caller.ClientInfo,
		},
		RequestURI: ev.RequestURI, File: ev.Source.File, Line: ev.Source.Line, Offset: ev.Source.Offset,
	})
}

func writeAlertText(w io.Writer, a *detect.Alert) {
	ev := &a.Event
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s %s %s vault=%s %s=%s", ev.Source, ev.Time.Format(time.RFC3339Nano), a.Severity,
		orDash(ev.Operation), a.Decoy.VaultName, a.Decoy.Type, a.Decoy.Name)
	if ev.ObjectType != a.Decoy.Type {
		fmt.Fprintf(&b, " (as %s)", ev.ObjectType)
	}
	if ev.Shape == auditlog.ShapeCloudTrail {
		// CloudTrail logs no HTTP status: the error code, or Success.
		fmt.Fprintf(&b, " result=%s", first(ev.ResultSignature, ev.ResultType))
	} else {
		fmt.Fprintf(&b, " status=%d", ev.HTTPStatus)
	}
	for _, kv := range [][2]string{{"upn", ev.Caller.UPN}, {"oid", ev.Caller.ObjectID}, {"appid", ev.Caller.AppID},
		{"ip", ev.Caller.IP}, {"correlation", ev.CorrelationID}} {
		if kv[1] != "" {
			fmt.Fprintf(&b, " %s=%s", kv[0], kv[1])
		}
	}
	b.WriteByte('\n')
	io.WriteString(w, b.String())
}

// first returns the first of a and b that is not empty.
func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func byteSize(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.2f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%d bytes", n)
}

// onlyVaultCluster returns the cluster of the decoys' HashiCorp Vault
// stores when they are all in one (the name their audit entries are read
// under), "" (auditlog.DefaultVaultCluster) otherwise.
func onlyVaultCluster(decoys []registry.Decoy) string {
	cluster := ""
	for _, d := range decoys {
		if registry.ProviderOf(d.VaultID) != registry.HashiCorpVault {
			continue
		}
		c := registry.SubscriptionFromID(d.VaultID)
		if cluster != "" && !strings.EqualFold(c, cluster) {
			return ""
		}
		cluster = c
	}
	return cluster
}
