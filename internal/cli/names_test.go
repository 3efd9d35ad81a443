package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// runNames calls Main with args and returns its exit status, stdout and stderr.
func runNames(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func writeNamesFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "names.txt")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNames(t *testing.T) {
	existing := []string{"orders-prod-db-password", "orders-prod-api-key", "orders-prod-storage-key", "orders-uat-api-key"}
	file := writeNamesFile(t, "  "+strings.Join(existing, "\n\n")+"\r\n")

	code, out, stderr := runNames(t, "", "names", "--like", file, "--seed", "7")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	names := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if got, want := len(names), 5; got != want {
		t.Fatalf("%d names by default; want %d: %q", got, want, out)
	}
	seen := map[string]bool{}
	for _, e := range existing {
		seen[strings.ToLower(e)] = true
	}
	for _, n := range names {
		if !registry.ValidObjectName(n) {
			t.Errorf("%q is not a valid name", n)
		}
		if seen[strings.ToLower(n)] {
			t.Errorf("%q repeats a name", n)
		}
		seen[strings.ToLower(n)] = true
		if _, bad := plant.Giveaway(n); bad {
			t.Errorf("%q gives itself away", n)
		}
		if !strings.HasPrefix(n, "orders-prod-") && !strings.HasPrefix(n, "orders-uat-") {
			t.Errorf("%q is not in the style of %q", n, existing)
		}
	}

	// The same seed prints the same names; --count takes the first N.
	_, again, _ := runNames(t, "", "names", "--like", file, "--seed", "7")
	if again != out {
		t.Errorf("--seed 7 twice: %q then %q", out, again)
	}
	_, three, _ := runNames(t, "", "names", "--like", file, "--seed", "7", "--count", "3")
	if got, want := three, strings.Join(names[:3], "\n")+"\n"; got != want {
		t.Errorf("--count 3 printed %q; want %q", got, want)
	}
	// Without a seed the names come from crypto randomness.
	code, _, _ = runNames(t, "", "names", "--like", file)
	if code != 0 {
		t.Errorf("without --seed: exit %d", code)
	}
	// Keywords and standard input.
	code, out, stderr = runNames(t, "DbPassword\nApiKey\n", "names", "--like", "-", "--keywords", "warehouse-login, Vpn", "--count", "20", "--seed", "1")
	if code != 0 {
		t.Fatalf("stdin and keywords: exit %d, %q", code, stderr)
	}
	for _, n := range strings.Fields(out) {
		if !strings.Contains(n, "WarehouseLogin") && !strings.Contains(n, "Vpn") {
			t.Errorf("%q uses neither keyword (in the PascalCase of the input)", n)
		}
	}
}

func TestNamesErrors(t *testing.T) {
	good := writeNamesFile(t, "db-password\n")
	tests := []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"no --like", []string{"names"}, "--like FILE is required"},
		{"missing file", []string{"names", "--like", filepath.Join(t.TempDir(), "nope.txt")}, "no such file"},
		{"empty file", []string{"names", "--like", writeNamesFile(t, "\n  \n")}, "lists no names"},
		{"bad line", []string{"names", "--like", writeNamesFile(t, "ok\nnot ok\n")}, "line 2"},
		{"count zero", []string{"names", "--like", good, "--count", "0"}, "--count 0: want 1 to 1000"},
		{"count too high", []string{"names", "--like", good, "--count", "1001"}, "want 1 to 1000"},
		{"count not a number", []string{"names", "--like", good, "--count", "many"}, "invalid argument"},
		{"giveaway keyword", []string{"names", "--like", good, "--keywords", "api-key,honeypot"}, `contains "honey"`},
		{"unsafe keyword", []string{"names", "--like", good, "--keywords", "api_key"}, "only letters, digits and dashes"},
		{"empty keyword", []string{"names", "--like", good, "--keywords", "a,,b"}, "is empty"},
		{"empty keyword list", []string{"names", "--like", good, "--keywords", ""}, "empty keyword list"},
		{"bad seed", []string{"names", "--like", good, "--seed", "x"}, "invalid argument"},
		{"stray argument", []string{"names", "--like", good, "extra"}, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, stderr := runNames(t, "", tt.args...)
			if got, want := code, 2; got != want {
				t.Errorf("exit %d; want %d", got, want)
			}
			if out != "" {
				t.Errorf("printed %q on error", out)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr %q; want it to contain %q", stderr, tt.want)
			}
		})
	}
}
