package cli

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/testenv"
)

// scanWatchlist lists the decoys of internal/scan/testdata.
const scanWatchlist = "ResourceProvider,ResourceId,HoneyToken,Properties\r\n" +
	`Microsoft.KeyVault,/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-a/providers/Microsoft.KeyVault/vaults/kv-a,db-password,"{""Type"":""secret""}"` + "\r\n" +
	`Microsoft.KeyVault,/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-a/providers/Microsoft.KeyVault/vaults/kv-a,signing-key,"{""Type"":""key""}"` + "\r\n" +
	`Microsoft.KeyVault,/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-b/providers/Microsoft.KeyVault/vaults/kv-b,web-tls,"{""Type"":""certificate""}"` + "\r\n"

func scanFixture(name string) string {
	return filepath.Join(testenv.RepoRoot(), "internal", "scan", "testdata", name)
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func runCLI(stdin string, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = Main(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestScanExitStatus(t *testing.T) {
	wl := writeFile(t, "wl.csv", scanWatchlist)
	quiet := writeFile(t, "quiet.json", `{"time":"2026-11-20T08:00:00Z","resourceId":"/SUBSCRIPTIONS/0B1F6471-1BF0-4DDA-AEC3-CB9272F09590/RESOURCEGROUPS/RG-A/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-A","operationName":"SecretGet","properties":{"requestUri":"https://kv-a.vault.azure.net/secrets/db-password-old"}}`+"\n")
	scenarios := []struct {
		name     string
		args     []string
		stdin    string
		wantCode int
		wantOut  []string // substrings of stdout
		wantErr  []string // substrings of stderr
	}{
		{"alerts", []string{"scan", "--watchlist", wl, scanFixture("PT1H.json")}, "", 1,
			[]string{scanFixture("PT1H.json") + ":2: 2026-11-20T08:00:01.2Z high SecretGet vault=kv-a secret=db-password status=200 upn=mallory@contoso.com"},
			[]string{scanFixture("PT1H.json") + ":6: malformed record: line ends inside a record", "1 files, 8 records, 1 malformed, 4 alerts, 0 suppressed; 3 decoys"}},
		{"allow-listed planter", []string{"scan", "--watchlist", wl, "--allow", "PLANTER@contoso.com", scanFixture("PT1H.json")}, "", 1,
			nil, []string{"3 alerts, 1 suppressed"}},
		{"all suppressed", []string{"scan", "--watchlist", wl, "--allow", "5c3f1a2b-9d4e-4f6a-8b7c-1d2e3f4a5b6c", "--allow", "planter@contoso.com", scanFixture("PT1H.json")}, "", 0,
			nil, []string{"0 alerts, 4 suppressed"}},
		{"no alerts", []string{"scan", "--watchlist", wl, quiet}, "", 0, nil, []string{"1 records, 0 malformed, 0 alerts"}},
		{"gzip and a document", []string{"scan", "--watchlist", wl, scanFixture("PT1H.json.gz"), scanFixture("insights-logs-auditevent.json")}, "", 1,
			[]string{scanFixture("PT1H.json.gz") + ":8:", scanFixture("insights-logs-auditevent.json") + ":5:"}, []string{"2 files, 11 records, 1 malformed, 6 alerts"}},
		{"stdin by default", []string{"scan", "--watchlist", wl}, readFixture(t, "PT1H.json"), 1, []string{"<stdin>:2: "}, nil},
		{"stdin as -", []string{"scan", "--watchlist", wl, "-"}, readFixture(t, "PT1H.json"), 1, []string{"<stdin>:4: "}, nil},
		{"missing input, others still scanned", []string{"scan", "--watchlist", wl, filepath.Join(t.TempDir(), "nope.json"), scanFixture("PT1H.json")}, "", 2,
			[]string{"PT1H.json:2:"}, []string{"nope.json: no such file or directory"}},
		// Log Analytics exports and a file that switches layouts, made from
		// vaults.json: the same 22 alerts as the raw records.
		{"raw records", []string{"scan", "--watchlist", wl, scanFixture("vaults.json")}, "", 1,
			[]string{scanFixture("vaults.json") + ":3: 2026-11-20T09:00:02.1236789Z high SecretGet vault=kv-a secret=db-password status=200 upn=mallory@contoso.com"},
			[]string{"1 files, 38 records, 0 malformed, 22 alerts, 0 suppressed"}},
		{"portal CSV export", []string{"scan", "--watchlist", wl, scanFixture("vaults-AzureDiagnostics.csv")}, "", 1,
			[]string{scanFixture("vaults-AzureDiagnostics.csv") + ":4: 2026-11-20T09:00:02.123Z high SecretGet vault=kv-a secret=db-password status=200 upn=mallory@contoso.com"},
			[]string{"1 files, 38 records, 0 malformed, 22 alerts, 0 suppressed"}},
		{"query API answer", []string{"scan", "--watchlist", wl, scanFixture("vaults-AZKVAuditLogs-query.json")}, "", 1,
			[]string{scanFixture("vaults-AZKVAuditLogs-query.json") + ":1: 2026-11-20T09:00:02.1236789Z high SecretGet vault=kv-a secret=db-password status=200 upn=mallory@contoso.com"},
			[]string{"1 files, 38 records, 0 malformed, 22 alerts, 0 suppressed"}},
		{"mixed layouts", []string{"scan", "--watchlist", wl, scanFixture("vaults-mixed.json")}, "", 1,
			nil, []string{"1 files, 38 records, 0 malformed, 22 alerts, 0 suppressed"}},
		{"the wrong file", []string{"scan", "--watchlist", wl, writeFile(t, "users.csv", "name,mail\nalice,alice@contoso.com\n"), scanFixture("PT1H.json")}, "", 2,
			[]string{"PT1H.json:2:"}, []string{"no Key Vault audit record found in ", "its header (name, mail) lacks the TimeGenerated and OperationName columns"}},
		{"an empty input", []string{"scan", "--watchlist", wl, writeFile(t, "empty.json", "")}, "", 2,
			nil, []string{"no Key Vault audit record found in", "empty.json: it is empty"}},
		{"no watchlist", []string{"scan", quiet}, "", 2, nil, []string{"give --watchlist CSV"}},
		{"bad watchlist", []string{"scan", "--watchlist", writeFile(t, "bad.csv", "a,b\n"), quiet}, "", 2, nil, []string{"header lacks column"}},
		{"bad format", []string{"scan", "--watchlist", wl, "--format", "xml", quiet}, "", 2, nil, []string{`--format "xml": want text or jsonl`}},
		{"empty allow", []string{"scan", "--watchlist", wl, "--allow", " ", quiet}, "", 2, nil, []string{"allow rule without an identity"}},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(sc.stdin, sc.args...)
			if code != sc.wantCode {
				t.Errorf("exit %d; want %d\nstdout:\n%s\nstderr:\n%s", code, sc.wantCode, stdout, stderr)
			}
			for _, w := range sc.wantOut {
				if !strings.Contains(stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout)
				}
			}
			for _, w := range sc.wantErr {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
		})
	}
}

func readFixture(t *testing.T, name string) string {
	b, err := os.ReadFile(scanFixture(name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestScanJSONL(t *testing.T) {
	wl := writeFile(t, "wl.csv", scanWatchlist)
	code, stdout, stderr := runCLI("", "scan", "--watchlist", wl, "--format", "jsonl", "--allow", "planter@contoso.com", scanFixture("PT1H.json"))
	if code != 1 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines; want 3:\n%s", len(lines), stdout)
	}
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	// The fields SPEC.md promises, with their values for the first alert.
	want := map[string]any{
		"time": "2026-11-20T08:00:01.2Z", "correlation_id": "11111111-0000-4000-8000-000000000002",
		"vault_id": "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-a/providers/Microsoft.KeyVault/vaults/kv-a",
		"vault":    "kv-a", "token": "db-password", "token_type": "secret", "operation": "SecretGet",
		"status": float64(200), "severity": "high", "file": scanFixture("PT1H.json"), "line": float64(2),
	}
	for k, v := range want {
		if got := first[k]; got != v {
			t.Errorf("%s = %v; want %v", k, got, v)
		}
	}
	caller, _ := first["caller"].(map[string]any)
	wantCaller := map[string]any{"object_id": "5c3f1a2b-9d4e-4f6a-8b7c-1d2e3f4a5b6c", "upn": "mallory@contoso.com",
		"app_id": "04b07795-8ddb-461a-bbee-02f9e1bf7b46", "ip": "203.0.113.7"}
	for k, v := range wantCaller {
		if got := caller[k]; got != v {
			t.Errorf("caller.%s = %v; want %v", k, got, v)
		}
	}
	// Every line has every field, and the certificate reached through its
	// secret names the certificate.
	var tokens []string
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatal(err)
		}
		for k := range want {
			if _, ok := m[k]; !ok {
				t.Errorf("line %s lacks %q", l, k)
			}
		}
		tokens = append(tokens, m["token_type"].(string)+"/"+m["token"].(string)+" as "+m["object_type"].(string))
	}
	sort.Strings(tokens)
	if got, want := strings.Join(tokens, ", "), "certificate/web-tls as secret, key/signing-key as key, secret/db-password as secret"; got != want {
		t.Errorf("tokens %s; want %s", got, want)
	}
}

// TestScanCloudTrail scans a CloudTrail log file as S3 holds it (gzip of
// {"Records":[...]}) and EventBridge events one a line, for Secrets
// Manager decoys listed in a watchlist.
func TestScanCloudTrail(t *testing.T) {
	wl := writeFile(t, "wl.csv", "ResourceProvider,ResourceId,HoneyToken,Properties\r\n"+
		`AWS.SecretsManager,arn:aws:secretsmanager:us-east-1:111122223333,prod/payments/stripe-api-key,"{""Type"":""secret""}"`+"\r\n"+
		`AWS.SecretsManager,arn:aws:secretsmanager:us-east-1:111122223333,prod/db/admin-password,"{""Type"":""secret""}"`+"\r\n"+
		`AWS.SecretsManager,arn:aws:secretsmanager:eu-west-1:444455556666,ops/GitHubDeployKey,"{""Type"":""secret""}"`+"\r\n")
	raw, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "internal", "auditlog", "testdata", "cloudtrail-s3.json"))
	if err != nil {
		t.Fatal(err)
	}
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	zw.Write(raw)
	zw.Close()
	logFile := writeFile(t, "111122223333_CloudTrail_us-east-1_20240731T1235Z_a1b2c3d4e5f6g7h8.json.gz", zb.String())
	bridge, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "internal", "auditlog", "testdata", "cloudtrail-eventbridge.json"))
	if err != nil {
		t.Fatal(err)
	}
	events := writeFile(t, "eventbridge.jsonl", string(bridge)+string(bridge))

	code, stdout, stderr := runCLI("", "scan", "--watchlist", wl, logFile, events)
	if code != 1 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	wantLines := []string{
		logFile + ":1: 2024-07-31T12:36:52Z high GetSecretValue vault=111122223333/us-east-1 secret=prod/payments/stripe-api-key result=Success upn=arn:aws:sts::111122223333:assumed-role/ci-deployer/build-42 oid=AROAEXAMPLEROLEID1234 appid=arn:aws:iam::111122223333:role/ci-deployer ip=203.0.113.7 correlation=6c9b5f2e-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
		logFile + ":1: 2024-07-31T12:37:10Z high BatchGetSecretValue vault=111122223333/us-east-1 secret=prod/payments/stripe-api-key result=Success",
		logFile + ":1: 2024-07-31T12:37:10Z high BatchGetSecretValue vault=111122223333/us-east-1 secret=prod/db/admin-password result=Success",
		events + ":1: 2025-03-02T09:15:06Z medium DescribeSecret vault=444455556666/eu-west-1 secret=ops/GitHubDeployKey result=Success",
		events + ":2: 2025-03-02T09:15:06Z medium DescribeSecret vault=444455556666/eu-west-1 secret=ops/GitHubDeployKey result=Success",
	}
	got := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(got) != len(wantLines) {
		t.Fatalf("%d alerts; want %d:\n%s", len(got), len(wantLines), stdout)
	}
	for i, w := range wantLines {
		if !strings.HasPrefix(got[i], w) {
			t.Errorf("alert %d:\n got  %s\n want %s…", i, got[i], w)
		}
	}
	if !strings.Contains(stderr, "2 files, 8 records, 0 malformed, 5 alerts, 0 suppressed; 3 decoys") {
		t.Errorf("summary:\n%s", stderr)
	}
	// The planter's role, allow-listed by its ARN, is suppressed.
	code, _, stderr = runCLI("", "scan", "--watchlist", wl, "--allow", "arn:aws:iam::111122223333:role/ci-deployer", logFile)
	if code != 1 || !strings.Contains(stderr, "2 alerts, 1 suppressed") {
		t.Errorf("exit %d\n%s", code, stderr)
	}
}
