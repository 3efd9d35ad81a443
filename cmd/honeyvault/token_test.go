package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A token made by `honeyvault token create` works against a running server
// with its role and scope, and stops working when `token revoke` revokes it.
func TestTokenCreateUseRevoke(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "hv.db")
	watchlist := filepath.Join(t.TempDir(), "wl.csv")
	os.WriteFile(watchlist, []byte("ResourceProvider,ResourceId,HoneyToken,Properties\r\n"+
		`Microsoft.KeyVault,/subscriptions/s1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-pay,pay-db-password,"{""Type"":""secret""}"`+"\r\n"+
		`Microsoft.KeyVault,/subscriptions/s2/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-hr,hr-api-key,"{""Type"":""secret""}"`+"\r\n"), 0o600)
	if _, stderr, code := run(t, nil, "watchlist", "import", "--db", db, watchlist); code != 0 {
		t.Fatalf("import: %d %s", code, stderr)
	}
	if _, stderr, code := run(t, nil, "token", "create", "--db", db, "--role", "owner"); code != 2 || !strings.Contains(stderr, "scope") {
		t.Errorf("owner token without scope: exit %d, %q; want 2 naming the scope", code, stderr)
	}
	out, stderr, code := run(t, nil, "token", "create", "--db", db, "--role", "owner", "--scope", "kv-pay", "--expires", "30d", "--name", "pay team")
	tok := strings.TrimSpace(out)
	if code != 0 || !strings.HasPrefix(tok, "hvt_") || strings.Count(out, "\n") != 1 || !strings.Contains(stderr, "shown only this once") {
		t.Fatalf("create: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	list, _, code := run(t, nil, "token", "list", "--db", db)
	if code != 0 || strings.Contains(list, tok) || !strings.Contains(list, tok[:10]) || !strings.Contains(list, "pay team") {
		t.Errorf("list: exit %d\n%s", code, list)
	}

	cmd, addr := startServe(t, db)
	defer func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }()
	get := func() (int, string) {
		req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/honeytokens", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(); code != 200 || !strings.Contains(body, "pay-db-password") || strings.Contains(body, "hr-api-key") {
		t.Errorf("owner token: %d %s; want its own decoy only", code, body)
	}
	if out, stderr, code := run(t, nil, "token", "revoke", "--db", db, "1"); code != 0 || !strings.Contains(out, "revoked token 1") {
		t.Fatalf("revoke: exit %d %q %q", code, out, stderr)
	}
	if code, body := get(); code != 401 || strings.Contains(body, "pay-db-password") {
		t.Errorf("revoked token: %d %s; want 401", code, body)
	}
	if _, stderr, code := run(t, nil, "token", "revoke", "--db", db, "99"); code != 1 || !strings.Contains(stderr, "no such token") {
		t.Errorf("revoke unknown: exit %d %q", code, stderr)
	}
}
