package scan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/registry"
)

var vaultDecoys = []registry.Decoy{
	{ID: 11, VaultID: "vault://prod/secret", Name: "apps/payments/DB", Type: registry.Secret},
	{ID: 12, VaultID: "vault://prod/kv/team-a", Name: "ci_deploy.key", Type: registry.Secret},
}

// vaultEntry is one audit entry as a Vault file device writes it.
func vaultEntry(typ, id, op, path, mount, rest string) string {
	m := ""
	if mount != "" {
		m = fmt.Sprintf(`,"mount_point":%q,"mount_type":"kv"`, mount)
	}
	return fmt.Sprintf(`{"time":"2026-12-04T01:02:03.%09dZ","type":%q,"auth":{"accessor":"hmac-sha256:ab","display_name":"token"},"request":{"id":%q,"operation":%q,"path":%q%s,"remote_address":"203.0.113.7"}%s}`,
		len(id)*1000+len(path), typ, id, op, path, m, rest)
}

// vaultLog is a Vault audit log: ordinary traffic around decoy accesses,
// each logged as a request and a response entry, one of them prefixed,
// one whose response never came, one denied.
func vaultLog(noise int) (log []byte, want []string) {
	var b bytes.Buffer
	line := func(s string) { b.WriteString(s + "\n") }
	line(`{"time":"2026-12-04T01:00:00Z","type":"request","auth":{"token_type":"default"},"request":{"id":"probe","operation":"update","namespace":{"id":"root"},"path":"sys/audit/test"}}`)
	both := func(id, op, path, mount, rest string) {
		line(vaultEntry("request", id, op, path, mount, rest))
		line(vaultEntry("response", id, op, path, mount, rest))
	}
	for i := range noise {
		both(fmt.Sprintf("n%d", i), "read", fmt.Sprintf("secret/data/apps/svc-%d/config", i), "secret/", "")
		if i == noise/2 {
			both("r1", "read", "secret/data/apps/payments/DB", "secret/", "")
			want = append(want, "#11 vault:read r1")
			line("vault-audit: " + vaultEntry("request", "r2", "read", "kv/team-a/metadata/ci_deploy.key", "", ""))
			line("vault-audit: " + vaultEntry("response", "r2", "read", "kv/team-a/metadata/ci_deploy.key", "", ""))
			want = append(want, "#12 vault:read r2")
			line(vaultEntry("request", "r3", "update", "secret/destroy/apps/payments/DB", "secret/", `,"data":{"versions":[1]}`))
			want = append(want, "#11 vault:update r3") // Vault died before answering
			both("r4", "read", "secret/data/apps/payments/DB", "", `,"error":"permission denied"`)
			want = append(want, "#11 vault:read r4")
			both("l1", "list", "secret/metadata/apps/payments/", "secret/", "")
			both("x1", "read", "secret/data/apps/payments/db", "secret/", "")
		}
	}
	return b.Bytes(), want
}

func TestScanVaultAuditLog(t *testing.T) {
	log, want := vaultLog(3000)
	for _, workers := range []int{1, 2} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			ix, err := detect.NewIndex(vaultDecoys)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			s := &Scanner{
				Matcher: detect.NewMatcher(ix, nil), Prefilter: ix.Prefilter(), Workers: workers, BlockSize: 64 << 10,
				VaultCluster: "prod",
				OnAlert: func(a detect.Alert) {
					got = append(got, fmt.Sprintf("#%d %s %s", a.Decoy.ID, a.Event.Operation, a.Event.CorrelationID))
				},
				OnMalformed: func(re *auditlog.RecordError) { t.Errorf("malformed: %v", re) },
			}
			st, err := s.Scan(context.Background(), bytes.NewReader(log), "vault_audit.log")
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("alerts:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if st.Alerts != int64(len(want)) {
				t.Errorf("Stats.Alerts = %d; want %d (one per call)", st.Alerts, len(want))
			}
			if st.Parsed > st.Records/10 {
				t.Errorf("parsed %d of %d records: the prefilter let everything through", st.Parsed, st.Records)
			}
		})
	}
}

func TestScanVaultOtherCluster(t *testing.T) {
	log, _ := vaultLog(10)
	ix, err := detect.NewIndex(vaultDecoys)
	if err != nil {
		t.Fatal(err)
	}
	var got int
	s := &Scanner{Matcher: detect.NewMatcher(ix, nil), Prefilter: ix.Prefilter(), OnAlert: func(detect.Alert) { got++ }}
	// The default cluster is not prod: a log of another cluster.
	if _, err := s.Scan(context.Background(), bytes.NewReader(log), "x"); err != nil {
		t.Fatal(err)
	}
	if got != 0 {
		t.Errorf("%d alerts on decoys of another cluster", got)
	}
	// A log holding only the test probe is a Vault log, not the wrong file.
	probe := `{"time":"2026-12-04T01:00:00Z","type":"request","request":{"id":"p","operation":"update","path":"sys/audit/test"}}` + "\n"
	var nr *NoRecordsError
	if _, err := s.Scan(context.Background(), strings.NewReader(probe), "probe"); errors.As(err, &nr) {
		t.Errorf("a Vault log read as the wrong file: %v", err)
	}
}
