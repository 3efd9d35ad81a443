package sentinel_test

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/armcheck"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/sentinel"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from what the export writes")

// golden compares got with testdata/name.golden, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s (go test -update rewrites it after a deliberate change):\n%s", name, path, firstDiff(got, want))
	}
}

func firstDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return "line " + strconv.Itoa(i+1) + ":\n got  " + gl + "\n want " + wl
		}
	}
	return "(same lines)"
}

// TestExportGolden writes the export of the shared cases' decoys and
// compares every file with its golden copy; the templates are checked
// for ARM structure, the CSV read back gives the same decoys.
func TestExportGolden(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	files, err := sentinel.Export(dir, caseDecoys, sentinel.Options{Allow: caseAllow}, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 3 {
		t.Fatalf("wrote %v; want 3 files", files)
	}
	for _, name := range []string{sentinel.WatchlistFile, sentinel.WatchlistTemplateFile, sentinel.RulesTemplateFile} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		golden(t, name, b)
		switch name {
		case sentinel.WatchlistFile:
			back, err := registry.ReadWatchlist(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if len(back) != len(caseDecoys) {
				t.Fatalf("read back %d decoys; want %d", len(back), len(caseDecoys))
			}
			for i, d := range back {
				if d.Key() != caseDecoys[i].Key() {
					t.Errorf("row %d: got %s; want %s", i+1, d.Key(), caseDecoys[i].Key())
				}
			}
		case sentinel.WatchlistTemplateFile:
			tpl := armcheck.Template(t, b)
			wl := armcheck.Resources(tpl, "Microsoft.OperationalInsights/workspaces/providers/watchlists")
			if len(wl) != 1 {
				t.Fatalf("%d watchlist resources; want 1", len(wl))
			}
			props := wl[0]["properties"].(map[string]any)
			if props["watchlistAlias"] != "HoneyTokens" || props["itemsSearchKey"] != "ResourceId" {
				t.Errorf("watchlist alias %v, search key %v; want HoneyTokens, ResourceId", props["watchlistAlias"], props["itemsSearchKey"])
			}
			csv, _ := os.ReadFile(filepath.Join(dir, sentinel.WatchlistFile))
			if props["rawContent"] != string(csv) {
				t.Errorf("the template's rawContent is not the CSV written beside it")
			}
		case sentinel.RulesTemplateFile:
			checkRulesTemplate(t, armcheck.Template(t, b))
		}
	}
}

// checkRulesTemplate checks what the brief asks of every rule: kinds,
// both tables, both claim spellings, the ingestion-time window, the
// allow-list, entity mappings and grouping per vault, the original's title.
func checkRulesTemplate(t *testing.T, tpl map[string]any) {
	t.Helper()
	rules := armcheck.Resources(tpl, "Microsoft.OperationalInsights/workspaces/providers/alertRules")
	kinds := map[string]int{}
	titles := map[string]string{}
	for _, r := range rules {
		kind := r["kind"].(string)
		kinds[kind]++
		props := r["properties"].(map[string]any)
		title, q := props["displayName"].(string), props["query"].(string)
		titles[title] = props["severity"].(string)
		grouping := props["incidentConfiguration"].(map[string]any)["groupingConfiguration"].(map[string]any)
		if by := grouping["groupByEntities"].([]any); len(by) != 1 || by[0] != "AzureResource" {
			t.Errorf("%s: grouped by %v; want the vault (AzureResource)", title, by)
		}
		entities := map[string]bool{}
		for _, m := range props["entityMappings"].([]any) {
			entities[m.(map[string]any)["entityType"].(string)] = true
		}
		for _, e := range []string{"Account", "IP", "AzureResource"} {
			if !entities[e] {
				t.Errorf("%s: no %s entity", title, e)
			}
		}
		for _, allowed := range caseAllow {
			if !strings.Contains(q, allowed) {
				t.Errorf("%s: the query does not allow-list %s", title, allowed)
			}
		}
		if kind == sentinel.KindScheduled && !strings.Contains(q, "ingestion_time() > ago(5m)") {
			t.Errorf("%s: scheduled, but not windowed on ingestion time", title)
		}
		if kind == sentinel.KindScheduled && (props["queryFrequency"] != "PT5M" || props["queryPeriod"] != "PT1H") {
			t.Errorf("%s: frequency %v, period %v; want PT5M, PT1H", title, props["queryFrequency"], props["queryPeriod"])
		}
		if strings.Contains(q, "AzureActivity") {
			continue
		}
		for _, want := range []string{"AzureDiagnostics", "AZKVAuditLogs", "union Diagnostics, Audit",
			"identity_claim_oid_g", "identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g",
			`Claim["http://schemas.microsoft.com/identity/claims/objectidentifier"]`, "_GetWatchlist('HoneyTokens')"} {
			if !strings.Contains(q, want) {
				t.Errorf("%s: the query lacks %s", title, want)
			}
		}
		if strings.Contains(q, "ResultType ==") || strings.Contains(q, "httpStatusCode_d ==") {
			t.Errorf("%s: filters on the result: failed attempts would be lost", title)
		}
	}
	if kinds[sentinel.KindScheduled] < 2 || kinds[sentinel.KindNRT] < 1 {
		t.Errorf("rule kinds %v; want Scheduled and NRT", kinds)
	}
	if sev := titles["HoneyTokens: KeyVault HoneyTokens diagnostic settings deleted or changed"]; sev != "High" {
		t.Errorf("diagnostic-settings rule: severity %q (titles %v); want High under the original's title", sev, titles)
	}
}

// TestExportRefusals: a non-empty directory without force, and bad
// options, are refused and leave the directory as it was.
func TestExportRefusals(t *testing.T) {
	dir := t.TempDir()
	keep := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(keep, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := sentinel.Export(dir, caseDecoys, sentinel.Options{}, false); !errors.Is(err, sentinel.ErrNotEmpty) {
		t.Fatalf("export into a non-empty dir: %v; want ErrNotEmpty", err)
	}
	for _, o := range []sentinel.Options{
		{Allow: []string{`x" or true or "`}},
		{Allow: []string{" "}},
		{Frequency: time.Minute},
		{Frequency: time.Hour, Lookback: 10 * time.Minute},
	} {
		if _, err := sentinel.Export(dir, caseDecoys, o, true); err == nil {
			t.Errorf("options %+v: no error", o)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("after refusals the directory holds %d entries; want only notes.txt", len(entries))
	}
	if _, err := sentinel.Export(dir, caseDecoys, sentinel.Options{}, true); err != nil {
		t.Fatalf("--force: %v", err)
	}
	if b, _ := os.ReadFile(keep); string(b) != "mine" {
		t.Errorf("--force touched a file that is not the export's")
	}
}
