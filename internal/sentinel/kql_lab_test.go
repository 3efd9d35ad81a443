package sentinel_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs"

	"github.com/honeyvault/honeyvault/internal/armcheck"
	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/honeyvault/honeyvault/internal/kvemu/loganalytics"
	"github.com/honeyvault/honeyvault/internal/sentinel"
	"github.com/honeyvault/honeyvault/internal/testenv"
)

// exportedRule is an analytics rule as the export's ARM template holds it.
type exportedRule struct {
	Name, Kind, Severity, Query string
	Activity                    bool // on AzureActivity, not on the Key Vault tables
}

// export runs the export of the shared cases' decoys, as `honeyvault
// export sentinel` does, and returns the watchlist CSV and the rules it
// wrote, so that the tests run what a user deploys.
func export(t *testing.T) (csv []byte, rules []exportedRule) {
	t.Helper()
	dir := t.TempDir()
	if _, err := sentinel.Export(dir, caseDecoys, sentinel.Options{Allow: caseAllow}, true); err != nil {
		t.Fatal(err)
	}
	csv, err := os.ReadFile(filepath.Join(dir, sentinel.WatchlistFile))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, sentinel.RulesTemplateFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range armcheck.Resources(armcheck.Template(t, b), "Microsoft.OperationalInsights/workspaces/providers/alertRules") {
		props := r["properties"].(map[string]any)
		q := props["query"].(string)
		rules = append(rules, exportedRule{Name: props["displayName"].(string), Kind: r["kind"].(string),
			Severity: props["severity"].(string), Query: q, Activity: strings.Contains(q, sentinel.TableActivity)})
	}
	if len(rules) != 4 {
		t.Fatalf("the export holds %d rules; want 4", len(rules))
	}
	return csv, rules
}

// ruleLab is a Log Analytics workspace of the Key Vault emulator holding
// the HoneyTokens watchlist of the shared cases' decoys, queried over TLS
// with the Azure SDK's query client, on a clock the test moves.
type ruleLab struct {
	clk    *testenv.Clock
	ws     *loganalytics.Workspace
	client *azlogs.Client
	ctx    context.Context
}

const labWorkspaceID = "6f1c2a9e-3b7d-4e5f-8a1b-2c3d4e5f6a7b"

func newRuleLab(t *testing.T, now time.Time, watchlist []byte) *ruleLab {
	t.Helper()
	clk := testenv.NewClock(now)
	e, err := kvemu.New(kvemu.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	la, err := loganalytics.New(e)
	if err != nil {
		t.Fatal(err)
	}
	ws, err := la.CreateWorkspace("/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/law-soc", labWorkspaceID, kvemu.DeliveryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.SetWatchlist(sentinel.WatchlistAlias, "ResourceId", watchlist); err != nil {
		t.Fatal(err)
	}
	client, err := azlogs.NewClient(e.Credential(kvemu.Identity{ObjectID: "aaaaaaaa-0000-0000-0000-000000000001", UPN: "soc@contoso.com", AppID: "04b07795-8ddb-461a-bbee-02f9e1bf7b46"}), la.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return &ruleLab{clk: clk, ws: ws, client: client, ctx: ctx}
}

// ingest delivers records to the workspace now (their ingestion time),
// as AzureDiagnostics rows, AZKVAuditLogs rows ("Dedicated") or
// AzureActivity rows by category.
func (l *ruleLab) ingest(t *testing.T, category string, dedicated bool, lines [][]byte) {
	t.Helper()
	var recs []kvemu.Record
	for _, line := range lines {
		recs = append(recs, kvemu.Record{Category: category, JSON: line})
	}
	if err := l.ws.Write(l.ctx, kvemu.Batch{Category: category, Dedicated: dedicated, Records: recs}); err != nil {
		t.Fatal(err)
	}
}

// run runs a rule's whole query over the scheduled rules' query period,
// as Sentinel does, and returns its rows keyed by column name.
func (l *ruleLab) run(t *testing.T, r exportedRule) []map[string]any {
	t.Helper()
	span := azlogs.TimeInterval("PT1H") // sentinel.DefaultLookback, the rules' queryPeriod
	resp, err := l.client.QueryWorkspace(l.ctx, labWorkspaceID, azlogs.QueryBody{Query: &r.Query, Timespan: &span}, nil)
	if err != nil {
		t.Fatalf("%s: %v", r.Name, err)
	}
	tbl := resp.Tables[0]
	var rows []map[string]any
	for _, vals := range tbl.Rows {
		m := map[string]any{}
		for i, c := range tbl.Columns {
			m[*c.Name] = vals[i]
		}
		rows = append(rows, m)
	}
	return rows
}

// access is one decoy access as both sides name it.
type access struct {
	Vault, Token, ObjectID, UPN, AppID, IP string
}

func (a access) String() string {
	return fmt.Sprintf("%s/%s by %s|%s|%s from %s", a.Vault, a.Token, a.ObjectID, a.UPN, a.AppID, a.IP)
}

// alerted is what the detector raised for one record.
type alerted struct {
	access
	Operation, Severity string
}

// detectorAlerts runs honeyvault's own matcher over audit records and
// returns, by correlation id, the alert each raises (suppressed ones left
// out), with the number of records touching a decoy at all.
func detectorAlerts(t *testing.T, lines [][]byte) (map[string]alerted, int) {
	t.Helper()
	m := caseMatcher(t)
	got := map[string]alerted{}
	touched := 0
	for _, line := range lines {
		ev, err := auditlog.NewDecoderBytes(line, auditlog.Position{}).Next()
		if err != nil {
			t.Fatal(err)
		}
		alerts := m.Match(&ev)
		if len(alerts) > 0 {
			touched++
		}
		for _, a := range alerts {
			if a.Suppressed {
				continue
			}
			v := alerted{access: access{Vault: strings.ToLower(a.Decoy.VaultID), Token: a.Decoy.Name, ObjectID: ev.Caller.ObjectID,
				UPN: ev.Caller.UPN, AppID: ev.Caller.AppID, IP: ev.Caller.IP}, Operation: ev.Operation, Severity: string(a.Severity)}
			if prev, ok := got[ev.CorrelationID]; ok && prev != v {
				t.Fatalf("%s: two alerts %+v and %+v", ev.CorrelationID, prev, v)
			}
			got[ev.CorrelationID] = v
		}
	}
	return got, touched
}

func caseMatcher(t *testing.T) *detect.Matcher {
	t.Helper()
	ix, err := detect.NewIndex(caseDecoys)
	if err != nil {
		t.Fatal(err)
	}
	var allow detect.AllowList
	for _, id := range caseAllow {
		allow = append(allow, detect.AllowRule{Identity: id})
	}
	return detect.NewMatcher(ix, allow)
}

// bySeverity keeps the alerts of one severity.
func bySeverity(all map[string]alerted, sev string) map[string]alerted {
	out := map[string]alerted{}
	for id, a := range all {
		if strings.EqualFold(a.Severity, sev) {
			out[id] = a
		}
	}
	return out
}

// ruleAccesses reads an access rule's rows: each row is one decoy and
// caller, with the correlation ids and operations of its records; it
// checks that Accesses counts every record of the row once per table.
func ruleAccesses(t *testing.T, key string, rows []map[string]any, tables int) map[string]alerted {
	t.Helper()
	got := map[string]alerted{}
	for _, r := range rows {
		str := func(col string) string {
			s, ok := r[col].(string)
			if !ok {
				t.Fatalf("%s: column %s is %T %v; want a string", key, col, r[col], r[col])
			}
			return s
		}
		list := func(col string) []string {
			var l []string
			if err := json.Unmarshal([]byte(str(col)), &l); err != nil {
				t.Fatalf("%s: column %s = %v: %v", key, col, r[col], err)
			}
			return l
		}
		a := access{Vault: str("VaultResourceId"), Token: str("HoneyToken"), ObjectID: str("CallerObjectId"),
			UPN: str("CallerUpn"), AppID: str("CallerAppId"), IP: str("CallerIpAddress")}
		ids, ops := list("CorrelationIds"), list("Operations")
		if n, ok := r["Accesses"].(float64); !ok || int(n) != len(ids)*tables {
			t.Errorf("%s: %v: Accesses %v; want %d records in %d tables", key, a, r["Accesses"], len(ids), tables)
		}
		if got := list("Tables"); len(got) != tables {
			t.Errorf("%s: %v: from tables %v; want %d", key, a, got, tables)
		}
		for _, id := range ids {
			if _, dup := got[id]; dup {
				t.Errorf("%s: record %s in two rows", key, id)
			}
			got[id] = alerted{access: a, Operation: strings.Join(ops, ",")}
		}
	}
	return got
}

// sameAccesses checks that a rule reported exactly the detector's alerts:
// the same records, each with its decoy, vault and caller, and the
// record's operation among the row's operations.
func sameAccesses(t *testing.T, what string, got, want map[string]alerted) {
	t.Helper()
	for id, w := range want {
		g, ok := got[id]
		switch {
		case !ok:
			t.Errorf("%s: misses record %s: %s %v", what, id, w.Operation, w.access)
		case g.access != w.access:
			t.Errorf("%s: record %s: got %v; the detector says %v", what, id, g.access, w.access)
		case !slices.ContainsFunc(strings.Split(g.Operation, ","), func(op string) bool { return strings.EqualFold(op, w.Operation) }):
			t.Errorf("%s: record %s: operations %s lack %s", what, id, g.Operation, w.Operation)
		}
	}
	for id, g := range got {
		if _, ok := want[id]; !ok {
			t.Errorf("%s: reports record %s (%s %v), on which the detector raises nothing of this severity", what, id, g.Operation, g.access)
		}
	}
}
