package sentinel_test

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/kvemu"
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

// casesCover checks that the records hold what the test claims to cover,
// so that a change to the shared cases cannot quietly weaken it: alerts
// under both claim spellings, on successful and refused requests, and
// records the detector lets pass (reads of other secrets, look-alikes,
// list calls, allow-listed identities, the SDK handshake).
func casesCover(t *testing.T, lines [][]byte, alerts map[string]alerted) {
	t.Helper()
	var short, long, ok, refused, quiet int
	for _, line := range lines {
		var rec kvemu.AuditRecord
		if err := json.Unmarshal(line, &rec); err != nil {
			t.Fatal(err)
		}
		if _, alerts := alerts[rec.CorrelationID]; !alerts {
			quiet++
			continue
		}
		if rec.Identity != nil && rec.Identity.Claim["oid"] != "" {
			short++
		}
		if rec.Identity != nil && rec.Identity.Claim[kvemu.ClaimOIDURI] != "" {
			long++
		}
		if rec.Properties.HTTPStatusCode < 300 {
			ok++
		} else {
			refused++
		}
	}
	if short == 0 || long == 0 || ok == 0 || refused == 0 || quiet < 10 {
		t.Fatalf("alerts: %d short claims, %d URI claims, %d successful, %d refused; %d quiet records: the cases no longer cover the rules", short, long, ok, refused, quiet)
	}
}

// auditRecord is a Key Vault AuditEvent record of op on uri in vault by a
// caller with claims (nil for none), answered with status.
func auditRecord(t *testing.T, id, vault, op, uri string, status int, claims map[string]string, at time.Time) kvemu.AuditRecord {
	t.Helper()
	rec := kvemu.AuditRecord{
		Time: at.UTC().Format(kvemu.TimeLayout), ResourceID: strings.ToUpper(vault), OperationName: op, OperationVersion: "7.4",
		Category: kvemu.CategoryAuditEvent, ResultType: "Success", ResultSignature: http.StatusText(status), DurationMs: "5",
		CallerIPAddress: "198.51.100.23", CorrelationID: id,
		Properties: kvemu.AuditProperties{RequestURI: uri + "?api-version=7.4", HTTPStatusCode: status, ClientInfo: "azsdk-go-azsecrets/v1.5.1"},
	}
	if claims != nil {
		rec.Identity = &kvemu.AuditIdentity{Claim: claims}
	}
	return rec
}

func marshalRecords(t *testing.T, recs ...kvemu.AuditRecord) [][]byte {
	t.Helper()
	var out [][]byte
	for _, r := range recs {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// uriClaims are the claims of a caller whose token spells them as URIs.
var uriClaims = map[string]string{kvemu.ClaimOIDURI: "7e1a7e1a-0000-4000-8000-0000000000aa", kvemu.ClaimUPNURI: "trudy@contoso.com"}

// moreRecords add to the shared cases what they lack: decoy accesses by a
// caller with URI-spelled claims, done and refused, and the Key Vault
// SDK's tokenless first request for a decoy (401, no identity, AKV10000),
// which honeyvault suppresses and so must the rules.
func moreRecords(t *testing.T, at time.Time) [][]byte {
	t.Helper()
	handshake := auditRecord(t, "1a7e0000-0000-4000-8000-000000000401", vaultA, "SecretGet", "https://kv-a.vault.azure.net/secrets/db-password", 401, nil, at)
	handshake.ResultDescription = "Unauthorized: AKV10000: Request is missing a Bearer or PoP token."
	return marshalRecords(t,
		auditRecord(t, "1a7e0000-0000-4000-8000-000000000200", vaultB, "CertificateGet", "https://kv-b.vault.azure.net/certificates/web-tls", 200, uriClaims, at),
		auditRecord(t, "1a7e0000-0000-4000-8000-000000000403", vaultA, "KeySign", "https://kv-a.vault.azure.net/keys/signing-key/0123456789abcdef0123456789abcdef/sign", 403, uriClaims, at),
		auditRecord(t, "1a7e0000-0000-4000-8000-000000000204", vaultA, "SecretSet", "https://kv-a.vault.azure.net/secrets/db-password", 200, uriClaims, at),
		handshake,
	)
}

// lateRecord is a decoy read by URI-spelled claims that reaches the
// workspace 55 minutes after it happened: a TimeGenerated window would
// have passed it by.
func lateRecord(t *testing.T, at time.Time) []byte {
	t.Helper()
	return marshalRecords(t, auditRecord(t, "1a7e0000-0000-4000-8000-000000000055", vaultA, "SecretGet", "https://kv-a.vault.azure.net/secrets/db-password", 200, uriClaims, at))[0]
}

// TestRulesAgreeWithDetector runs every access rule of the export's
// analytics-rules.json WHOLE (its lets, the join with the export's
// HoneyTokens.csv loaded as the watchlist, URI parsing, the summarize)
// with the Azure SDK's query client over the shared cases — decoy reads under
// both identity-claim spellings, successful and refused, reads of
// look-alikes and non-decoys, allow-listed identities — delivered to
// AzureDiagnostics, to AZKVAuditLogs, and to both, and checks that the
// records each rule reports are exactly those on which honeyvault's own
// matcher raises an alert of the rule's severity, with the same decoy,
// vault and caller, and the operation among the row's. A record ingested
// 55 minutes late is reported by the next scheduled run, once, and the
// records before it are not reported again.
func TestRulesAgreeWithDetector(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
	t1 := t0.Add(10 * time.Minute)
	lines := append(caseRecords(t), moreRecords(t, t0.Add(-3*time.Minute))...)
	late := lateRecord(t, t1.Add(-55*time.Minute))
	first, _ := detectorAlerts(t, lines)
	casesCover(t, lines, first)
	second, _ := detectorAlerts(t, [][]byte{late})
	if len(second) != 1 {
		t.Fatalf("the late record raises %d alerts; want 1", len(second))
	}
	all := map[string]alerted{}
	maps.Copy(all, first)
	maps.Copy(all, second)

	csv, rules := export(t)
	for _, shape := range []struct {
		name       string
		diagnostic bool
		dedicated  bool
	}{{"AzureDiagnostics", true, false}, {"AZKVAuditLogs", false, true}, {"both tables", true, true}} {
		t.Run(shape.name, func(t *testing.T) {
			tables := 0
			lab := newRuleLab(t, t0, csv)
			deliver := func(lines [][]byte) {
				for _, dedicated := range []bool{false, true} {
					if (dedicated && shape.dedicated) || (!dedicated && shape.diagnostic) {
						lab.ingest(t, kvemu.CategoryAuditEvent, dedicated, lines)
					}
				}
			}
			for _, on := range []bool{shape.diagnostic, shape.dedicated} {
				if on {
					tables++
				}
			}
			deliver(lines)
			check := func(when string, wantScheduled map[string]alerted) {
				for _, r := range rules {
					if r.Activity {
						continue
					}
					want := wantScheduled
					if r.Kind == sentinel.KindNRT {
						want = all // Sentinel runs NRT rules on each ingestion; over the whole period here
						if when == "first run" {
							want = first
						}
					}
					got := ruleAccesses(t, r.Name, lab.run(t, r), tables)
					sameAccesses(t, r.Name+" at the "+when, got, bySeverity(want, r.Severity))
				}
			}
			check("first run", first)
			lab.clk.Advance(t1.Sub(t0))
			deliver([][]byte{late})
			check("next run, after a late record", second)
		})
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

// TestFuzzSeedsAreTheRules keeps the KQL engine's fuzz seeds
// (kvemu/loganalytics/testdata/fuzz) the rules the export writes; go test
// -update rewrites them after a deliberate change.
func TestFuzzSeedsAreTheRules(t *testing.T) {
	_, rules := export(t)
	dir := filepath.Join(testenv.RepoRoot(), "internal", "kvemu", "loganalytics", "testdata", "fuzz")
	for _, r := range rules {
		for target, tail := range map[string]string{"FuzzKQLParse": "", "FuzzWorkspaceQuery": "string(\"PT1H\")\n"} {
			key := strings.ToLower(strings.NewReplacer(":", "", "(", "", ")", "", ",", "").Replace(r.Name))
			path := filepath.Join(dir, target, "sentinel-"+strings.Join(strings.Fields(key), "-"))
			want := "go test fuzz v1\nstring(" + strconv.Quote(r.Query) + ")\n" + tail
			if *update {
				if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if got, err := os.ReadFile(path); err != nil || string(got) != want {
				t.Errorf("%s is not the exported rule %q (go test -update rewrites it): %v", path, r.Name, err)
			}
		}
	}
}
