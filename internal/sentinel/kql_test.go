package sentinel_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/honeyvault/honeyvault/internal/kvemu/loganalytics"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/sentinel"
	"github.com/honeyvault/honeyvault/internal/testenv"
)

// The shared detection cases: the retro-hunt's testdata/vaults.json (38
// records, four vaults, both claim spellings, failed attempts, look-alike
// names) and the decoys its tests plant.
const (
	vaultA = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-a/providers/Microsoft.KeyVault/vaults/kv-a"
	vaultB = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-b/providers/Microsoft.KeyVault/vaults/kv-b"
)

var caseDecoys = []registry.Decoy{
	{ID: 1, VaultID: vaultA, Name: "db-password", Type: registry.Secret},
	{ID: 2, VaultID: vaultA, Name: "signing-key", Type: registry.Key},
	{ID: 3, VaultID: vaultB, Name: "web-tls", Type: registry.Certificate},
	{ID: 4, VaultID: vaultB, Name: "x", Type: registry.Secret},
}

// caseAllow allow-lists one identity by its URI-spelled UPN (the planter)
// and one by its short-spelled object id (the guest), so that both
// spellings' columns are exercised.
var caseAllow = []string{"planter@contoso.com", "11111111-2222-3333-4444-555555555555"}

func caseRecords(t *testing.T) [][]byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "internal", "scan", "testdata", "vaults.json"))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Split(bytes.TrimSpace(raw), []byte("\n"))
}

// detectorVerdicts runs honeyvault's own matcher over the cases: for each
// record touching a decoy, by correlation id, the severity it raises, or
// "" when it is suppressed.
func detectorVerdicts(t *testing.T, lines [][]byte) map[string]string {
	t.Helper()
	ix, err := detect.NewIndex(caseDecoys)
	if err != nil {
		t.Fatal(err)
	}
	var allow detect.AllowList
	for _, id := range caseAllow {
		allow = append(allow, detect.AllowRule{Identity: id})
	}
	m := detect.NewMatcher(ix, allow)
	got := map[string]string{}
	for _, line := range lines {
		ev, err := auditlog.NewDecoderBytes(line, auditlog.Position{}).Next()
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range m.Match(&ev) {
			v := string(a.Severity)
			if a.Suppressed {
				v = ""
			}
			if prev, ok := got[ev.CorrelationID]; ok && prev != v {
				t.Fatalf("%s: two verdicts %q and %q", ev.CorrelationID, prev, v)
			}
			got[ev.CorrelationID] = v
		}
	}
	if len(got) < 20 {
		t.Fatalf("only %d records touch a decoy: the cases changed", len(got))
	}
	return got
}

// TestRuleFiltersAgreeWithDetector runs the exported rules' filters (the
// part of their KQL the emulator's workspace can run: ingestion-time
// window, operations, allow-list) with the Azure SDK's query client over
// the shared cases delivered to AzureDiagnostics and AZKVAuditLogs, and
// checks that over every record honeyvault's matcher says touches a
// decoy, the high rule keeps exactly the high alerts, the medium rule
// exactly the medium ones, and neither keeps a suppressed access. The
// records are 30 minutes old when they are ingested: the ingestion-time
// window still sees them, and sees them no more once it has passed.
func TestRuleFiltersAgreeWithDetector(t *testing.T) {
	lines := caseRecords(t)
	want := detectorVerdicts(t, lines)

	clk := testenv.NewClock(time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC))
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
	const wsID = "6f1c2a9e-3b7d-4e5f-8a1b-2c3d4e5f6a7b"
	ws, err := la.CreateWorkspace("/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/law-soc", wsID, kvemu.DeliveryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var recs []kvemu.Record
	for _, line := range lines {
		recs = append(recs, kvemu.Record{Category: kvemu.CategoryAuditEvent, JSON: line})
	}
	for _, dedicated := range []bool{false, true} {
		if err := ws.Write(ctx, kvemu.Batch{Category: kvemu.CategoryAuditEvent, Dedicated: dedicated, Records: recs}); err != nil {
			t.Fatal(err)
		}
	}
	client, err := azlogs.NewClient(e.Credential(kvemu.Identity{ObjectID: "aaaaaaaa-0000-0000-0000-000000000001", UPN: "soc@contoso.com", AppID: "04b07795-8ddb-461a-bbee-02f9e1bf7b46"}), la.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	query := func(q string) map[string]bool {
		t.Helper()
		span := azlogs.TimeInterval("PT1H") // the scheduled rules' queryPeriod (sentinel.DefaultLookback)
		resp, err := client.QueryWorkspace(ctx, wsID, azlogs.QueryBody{Query: &q, Timespan: &span}, nil)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		kept := map[string]bool{}
		for _, row := range resp.Tables[0].Rows {
			kept[row[0].(string)] = true
		}
		return kept
	}

	rules := sentinel.Rules(sentinel.Options{Allow: caseAllow})
	bySeverity := map[string][]sentinel.Rule{}
	for _, r := range rules {
		if !r.Activity {
			bySeverity[strings.ToLower(r.Severity)] = append(bySeverity[strings.ToLower(r.Severity)], r)
		}
	}
	for _, table := range []string{sentinel.TableDiagnostics, sentinel.TableAudit} {
		for sev, rs := range bySeverity {
			for _, r := range rs {
				f := r.Filters[table]
				if !strings.Contains(r.Query, f) {
					t.Fatalf("%s: the query does not embed its %s filter", r.Key, table)
				}
				kept := query(f + " | project CorrelationId")
				for id, verdict := range want {
					if got, should := kept[id], verdict == sev; got != should {
						t.Errorf("%s over %s: record %s kept=%v; the detector says %q", r.Key, table, id, got, verdict)
					}
				}
			}
		}
	}

	// An hour later the scheduled rules' window has moved on: nothing
	// ingested before it is seen again (no duplicate incidents), while the
	// NRT rule, which Sentinel itself runs on ingestion, has no window.
	clk.Advance(time.Hour)
	for _, r := range rules {
		if r.Kind != sentinel.KindScheduled || r.Activity {
			continue
		}
		for _, table := range []string{sentinel.TableDiagnostics, sentinel.TableAudit} {
			if kept := query(r.Filters[table] + " | project CorrelationId"); len(kept) != 0 {
				t.Errorf("%s over %s: an hour later its window still keeps %d records", r.Key, table, len(kept))
			}
		}
	}
}

// TestRulesCoverEveryAlertingOperation checks the rules' operation lists
// against detect's table, so that a class or operation added there and not
// here fails: every operation of an alerting class is in exactly one of
// the high rule's list or the medium rule's reach, and no list call is.
func TestRulesCoverEveryAlertingOperation(t *testing.T) {
	var high, medium string
	for _, r := range sentinel.Rules(sentinel.Options{}) {
		switch r.Key {
		case "access-high":
			high = r.Filters[sentinel.TableAudit]
		case "access-medium":
			medium = r.Filters[sentinel.TableAudit]
		}
	}
	quoted := func(op string) string { return `"` + op + `"` }
	classes := []detect.Class{detect.ClassRead, detect.ClassCrypto, detect.ClassBackup, detect.ClassRestore, detect.ClassRecover,
		detect.ClassListVersions, detect.ClassGetDeleted, detect.ClassMetadata, detect.ClassWrite, detect.ClassUpdate,
		detect.ClassDelete, detect.ClassPurge, detect.ClassList}
	for _, c := range classes {
		ops := detect.Operations(c)
		if len(ops) == 0 {
			t.Fatalf("detect.Operations(%s) is empty", c)
		}
		for _, op := range ops {
			inHigh := strings.Contains(high, quoted(op))
			excludedFromMedium := strings.Contains(medium, quoted(op))
			switch {
			case !c.Alerts() && (inHigh || !excludedFromMedium):
				t.Errorf("%s (%s) never alerts, yet a rule takes it", op, c)
			case c.Alerts() && c.Severity() == detect.High && (!inHigh || !excludedFromMedium):
				t.Errorf("%s (%s) is high: want it in the high rule only", op, c)
			case c.Alerts() && c.Severity() == detect.Medium && (inHigh || excludedFromMedium):
				t.Errorf("%s (%s) is medium: want it in the medium rule only", op, c)
			}
		}
	}
	if !slices.Contains(strings.Fields(medium), `!endswith`) {
		t.Errorf("the medium rule does not leave out Event Grid notifications: %s", medium)
	}
}
