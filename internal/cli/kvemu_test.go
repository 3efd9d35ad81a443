package cli

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestKvemuVerb runs `honeyvault kvemu`, connects to it the way an
// out-of-process client would (trusting the printed CA, resolving the vault
// host to the printed address, using the printed token) and stops it.
func TestKvemuVerb(t *testing.T) {
	dir := t.TempDir()
	pr, pw := io.Pipe()
	cmd := newKvemuCmd()
	cmd.SetOut(pw)
	cmd.SetArgs([]string{"--listen", "127.0.0.1:0", "--vaults", "2", "--audit-dir", filepath.Join(dir, "archive"), "--ca-dir", dir})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- cmd.ExecuteContext(ctx)
		pw.Close()
	}()
	var addr, caPath, token string
	sc := bufio.NewScanner(pr)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "kvemu: listening on "):
			addr = strings.TrimPrefix(line, "kvemu: listening on ")
		case strings.HasPrefix(line, "kvemu: CA certificate: "):
			caPath = strings.TrimPrefix(line, "kvemu: CA certificate: ")
		case strings.HasPrefix(line, "kvemu: bearer token for "):
			token = line[strings.LastIndex(line, " ")+1:]
		}
		if strings.HasSuffix(line, "Ready.") {
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if addr == "" || caPath == "" || token == "" {
		t.Fatalf("output lacked address, CA or token: %q %q %q", addr, caPath, token)
	}
	pem, err := os.ReadFile(caPath)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("the CA file holds no certificate")
	}
	hc := &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	}}
	req, _ := http.NewRequest(http.MethodGet, "https://kv-demo-02.vault.azure.net/secrets/ApiClientSecret/?api-version=7.4", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"value":"demo-client-secret"`) {
		t.Errorf("get secret: %d %s", resp.StatusCode, body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("kvemu returned %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("kvemu did not stop")
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "archive", "insights-logs-auditevent", "resourceId=", "SUBSCRIPTIONS", "*", "RESOURCEGROUPS", "RG-KVEMU", "PROVIDERS", "MICROSOFT.KEYVAULT", "VAULTS", "KV-DEMO-02", "y=*", "m=*", "d=*", "h=*", "m=00", "PT1H.json"))
	if len(matches) != 1 {
		t.Errorf("archive blobs of kv-demo-02: %v", matches)
	}
}

func TestKvemuVerbRejectsBadFlags(t *testing.T) {
	tests := []struct{ args []string }{
		{[]string{"--vaults", "0"}},
		{[]string{"--listen", "nonsense"}},
		{[]string{"--audit-url", "ftp://x"}},
	}
	for _, tt := range tests {
		cmd := newKvemuCmd()
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		cmd.SetArgs(tt.args)
		if err := cmd.Execute(); err == nil {
			t.Errorf("%v: no error", tt.args)
		}
	}
}
