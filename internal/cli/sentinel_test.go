package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/azpolicy"
	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/sentinel"
	"github.com/honeyvault/honeyvault/internal/store"
)

// decoyKeys lists a store's decoys as vault|type|name|status, in id order.
func decoyKeys(t *testing.T, dsn string) []string {
	t.Helper()
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ds, err := st.ListDecoys(context.Background(), store.DecoyFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, d := range ds {
		keys = append(keys, d.VaultID+"|"+string(d.Type)+"|"+d.Name+"|"+string(d.Status))
	}
	return keys
}

// TestSentinelRoundTrip: the registry exported for Sentinel and imported
// into a fresh SQLite store gives the same decoys; a second import changes
// nothing; a non-empty output directory is refused without --force.
func TestSentinelRoundTrip(t *testing.T) {
	t.Setenv("HONEYVAULT_CONFIG", "")
	t.Setenv("HONEYVAULT_DB", "")
	src := "sqlite:" + filepath.Join(t.TempDir(), "src.db")
	if code, _, errOut := runCLI("", "watchlist", "import", "--db", src, writeFile(t, "wl.csv", scanWatchlist)); code != 0 {
		t.Fatalf("seeding: %s", errOut)
	}
	out := filepath.Join(t.TempDir(), "sentinel")
	code, stdout, errOut := runCLI("", "export", "sentinel", "--db", src, "--out", out, "--allow", "planter@contoso.com")
	if code != 0 {
		t.Fatalf("export: exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "exported 3 decoys, 4 analytics rules, 1 allow-listed identities") {
		t.Errorf("export said %q", errOut)
	}
	for _, f := range []string{sentinel.WatchlistFile, sentinel.WatchlistTemplateFile, sentinel.RulesTemplateFile} {
		if !strings.Contains(stdout, filepath.Join(out, f)) {
			t.Errorf("export did not list %s: %q", f, stdout)
		}
	}
	csvPath := filepath.Join(out, sentinel.WatchlistFile)

	dst := "sqlite:" + filepath.Join(t.TempDir(), "dst.db")
	code, stdout, errOut = runCLI("", "import", "sentinel", "--db", dst, "--watchlist", csvPath)
	if code != 0 || !strings.Contains(stdout, "3 imported, 0 unchanged, 0 skipped") {
		t.Fatalf("import: exit %d, %q %q", code, stdout, errOut)
	}
	if got, want := strings.Join(decoyKeys(t, dst), "\n"), strings.Join(decoyKeys(t, src), "\n"); got != want {
		t.Errorf("imported decoys:\n%s\nwant:\n%s", got, want)
	}
	code, stdout, _ = runCLI("", "import", "sentinel", "--db", dst, "--watchlist", csvPath)
	if code != 0 || !strings.Contains(stdout, "0 imported, 3 unchanged, 0 skipped") {
		t.Errorf("second import: exit %d, %q", code, stdout)
	}

	before, _ := os.ReadFile(csvPath)
	if code, _, errOut := runCLI("", "export", "sentinel", "--db", dst, "--out", out); code != 2 || !strings.Contains(errOut, "not empty") {
		t.Errorf("export into a non-empty dir: exit %d, %q", code, errOut)
	}
	if code, _, errOut := runCLI("", "export", "sentinel", "--db", dst); code != 2 || !strings.Contains(errOut, "--out DIR is required") {
		t.Errorf("export without --out: exit %d, %q", code, errOut)
	}
	if after, _ := os.ReadFile(csvPath); string(after) != string(before) {
		t.Errorf("a refused export changed %s", csvPath)
	}
	if code, _, errOut := runCLI("", "export", "sentinel", "--db", dst, "--out", out, "--force"); code != 0 {
		t.Errorf("--force: exit %d, %q", code, errOut)
	}
}

// TestImportSentinelBadRows: invalid rows are each reported with their
// line, and nothing is imported; --skip-invalid imports the valid ones.
func TestImportSentinelBadRows(t *testing.T) {
	t.Setenv("HONEYVAULT_DB", "")
	rows := strings.Split(strings.TrimSuffix(scanWatchlist, "\r\n"), "\r\n")
	bad := strings.Join([]string{
		rows[0],
		rows[1],
		`Microsoft.KeyVault,/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/vaults/kv-a,n1,"{""Type"":""secret""}"`,
		rows[2],
		`Microsoft.KeyVault,` + strings.Split(rows[1], ",")[1] + `,bad_name!,"{""Type"":""secret""}"`,
		`Microsoft.KeyVault,` + strings.Split(rows[1], ",")[1] + `,ok-name,"{""Type"":""password""}"`,
		rows[3],
	}, "\r\n") + "\r\n"
	file := writeFile(t, "bad.csv", bad)
	db := "sqlite:" + filepath.Join(t.TempDir(), "hv.db")
	code, stdout, errOut := runCLI("", "import", "sentinel", "--db", db, "--watchlist", file)
	if code != 2 {
		t.Fatalf("exit %d; want 2 (stdout %q)", code, stdout)
	}
	for _, want := range []string{"line 3:", "line 5:", "line 6:", "3 invalid rows: nothing imported"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut, "line 2:") || strings.Contains(errOut, "line 4:") {
		t.Errorf("a valid row was reported:\n%s", errOut)
	}
	if keys := decoyKeys(t, db); len(keys) != 0 {
		t.Errorf("a refused import stored %v", keys)
	}
	code, stdout, errOut = runCLI("", "import", "sentinel", "--db", db, "--watchlist", file, "--skip-invalid")
	if code != 0 || !strings.Contains(stdout, "3 imported, 0 unchanged, 3 skipped") || !strings.Contains(errOut, "line 5:") {
		t.Errorf("--skip-invalid: exit %d, %q, %q", code, stdout, errOut)
	}
	if keys := decoyKeys(t, db); len(keys) != 3 {
		t.Errorf("after --skip-invalid the store holds %v; want the 3 valid decoys", keys)
	}
	if code, _, errOut := runCLI("", "import", "sentinel", "--db", db, "--watchlist", writeFile(t, "h.csv", "a,b\r\n")); code != 2 || !strings.Contains(errOut, "line 1") {
		t.Errorf("bad header: exit %d, %q", code, errOut)
	}
}

// TestPolicyExportCLI: the verb writes Template's bytes on stdout, and a
// link that is not https (or the lab's loopback) is refused with nothing
// on stdout.
func TestPolicyExportCLI(t *testing.T) {
	code, stdout, errOut := runCLI("", "policy", "export", "--link", "https://hv.contoso.com/vaults", "--tag-name", "DecoyReview")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want, err := azpolicy.Template(azpolicy.Options{Link: "https://hv.contoso.com/vaults", TagName: "DecoyReview"})
	if err != nil {
		t.Fatal(err)
	}
	if stdout != string(want) {
		t.Errorf("stdout is not the template")
	}
	// Without the flags, the tag follows kvreview.* (here from the environment).
	t.Setenv("HONEYVAULT_KVREVIEW_TAG", "HoneyReview")
	t.Setenv("HONEYVAULT_KVREVIEW_REVIEWED", "Checked")
	code, stdout, errOut = runCLI("", "policy", "export", "--link", "https://hv.contoso.com/vaults")
	want, err = azpolicy.Template(azpolicy.Options{Link: "https://hv.contoso.com/vaults", TagName: "HoneyReview", Reviewed: "Checked", ReviewNeeded: "ReviewNeeded"})
	if err != nil {
		t.Fatal(err)
	}
	if code != 0 || stdout != string(want) {
		t.Errorf("the template does not follow kvreview.*: exit %d %s", code, errOut)
	}
	code, stdout, errOut = runCLI("", "policy", "export", "--link", "http://hv.contoso.com/vaults")
	if code != 2 || stdout != "" || !strings.Contains(errOut, "want https") {
		t.Errorf("http link: exit %d, stdout %q, stderr %q", code, stdout, errOut)
	}
}

// TestExportedAllow: the rules leave out the config's allow-list entries
// that cover every operation and have not expired, the planter's client
// id and --allow; an entry limited to some operations is left out, said.
func TestExportedAllow(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	cfg := config.Default()
	cfg.Allow = []config.Allow{
		{Identity: "planter@contoso.com"},
		{Identity: "old@contoso.com", Expires: now.Add(-time.Hour)},
		{Identity: "later@contoso.com", Expires: now.Add(time.Hour)},
		{Identity: "backup-job", Operations: []string{"SecretBackup"}},
	}
	cfg.Plant.ClientID = "1950a258-227b-4e31-a9cf-717495945fc2"
	var notes []string
	got := exportedAllow(cfg, []string{" extra@contoso.com ", "planter@contoso.com"}, now, func(f string, a ...any) {
		notes = append(notes, fmt.Sprintf(f, a...))
	})
	want := []string{"1950a258-227b-4e31-a9cf-717495945fc2", "extra@contoso.com", "later@contoso.com", "planter@contoso.com"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("got %v; want %v", got, want)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "backup-job") {
		t.Errorf("notes %q; want one about backup-job", notes)
	}
}
