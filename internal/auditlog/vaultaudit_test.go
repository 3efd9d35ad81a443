package auditlog

import (
	"io"
	"os"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// vaultFixture reads testdata/vault/audit.log with a decoder set to the
// cluster "prod".
func vaultFixture(t *testing.T) []Event {
	t.Helper()
	f, err := os.Open("testdata/vault/audit.log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := NewDecoder(f, "audit.log")
	d.VaultCluster = "prod"
	var out []Event
	for {
		ev, err := d.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("entry %d: %v", len(out)+1, err)
		}
		out = append(out, ev)
	}
}

func TestVaultAuditFixture(t *testing.T) {
	evs := vaultFixture(t)
	if len(evs) != 8 {
		t.Fatalf("read %d entries; want 8", len(evs))
	}
	for i, ev := range evs {
		if ev.Kind != KindAudit || ev.Shape != ShapeVaultAudit {
			t.Errorf("entry %d: kind %q shape %q", i+1, ev.Kind, ev.Shape)
		}
		if ev.Source.Line != int64(i+1) {
			t.Errorf("entry %d: line %d", i+1, ev.Source.Line)
		}
	}
	probe := evs[0]
	if probe.ObjectType != "" || probe.VaultID != "" || probe.Operation != "vault:update" || probe.RequestURI != "sys/audit/test" {
		t.Errorf("test probe read as %+v", probe)
	}

	read := evs[1]
	want := Event{
		Kind: KindAudit, Shape: ShapeVaultAudit, Time: read.Time,
		VaultID: "vault://prod/secret", VaultName: "prod/secret", ResourceID: "vault://prod/secret",
		ObjectType: registry.Secret, ObjectName: "apps/payments/DB", Action: "data",
		Operation: "vault:read", Category: "request", CorrelationID: "2b6f0cc9-a0ba-4b0c-9c7e-1d2e3f405162",
		RequestURI: "secret/data/apps/payments/DB",
		Caller: Caller{
			ObjectID: "7d2e3b5c-1f0a-4c6e-9b8d-2a4f6e8c0b1d", Name: "oidc-mallory@contoso.com", UPN: "oidc-mallory@contoso.com",
			AppID: "hmac-sha256:" + strings.Repeat("c", 64), IP: "203.0.113.7", ClientInfo: "Go-http-client/1.1",
		},
		Source: read.Source,
	}
	if read != want {
		t.Errorf("read request entry:\n got %+v\nwant %+v", read, want)
	}
	if got, want := read.Time.Format("2006-01-02T15:04:05.999999Z07:00"), "2026-12-04T01:02:03.456789Z"; got != want {
		t.Errorf("time %s; want %s", got, want)
	}
	if read.ResultType != "" {
		t.Errorf("a request entry without error has result %q: Vault has not answered yet", read.ResultType)
	}

	resp := evs[2]
	if resp.ResultType != "Success" || resp.HTTPStatus != 0 || resp.Category != "response" || resp.ObjectName != "apps/payments/DB" {
		t.Errorf("response entry read as %+v", resp)
	}
	if resp.DedupKey() != read.DedupKey() {
		t.Error("request and response entries of one call have different dedup keys: one read would alert twice")
	}
	stored := resp // as read back from the store, which keeps no Shape or Category
	stored.Shape, stored.Category = "", ""
	if stored.DedupKey() != read.DedupKey() {
		t.Error("an entry read back from the store has another dedup key")
	}

	denied, deniedResp := evs[3], evs[4]
	for _, ev := range []Event{denied, deniedResp} {
		if ev.VaultID != "vault://prod/secret" || ev.ObjectName != "apps/payments/DB" || ev.Action != "data" {
			t.Errorf("2020 entry without mount_point: store %q name %q action %q", ev.VaultID, ev.ObjectName, ev.Action)
		}
		if ev.ResultType != "Failure" || ev.HTTPStatus != 403 || ev.ResultSignature != "Forbidden" {
			t.Errorf("denied entry: result %q %d %q", ev.ResultType, ev.HTTPStatus, ev.ResultSignature)
		}
		if ev.Caller.IP != "10.10.42.222" || ev.Caller.AppID != "" || ev.Caller.ObjectID != "" {
			t.Errorf("denied entry caller %+v", ev.Caller)
		}
	}
	if denied.DedupKey() != deniedResp.DedupKey() {
		t.Error("a denied call's two entries have different dedup keys")
	}
	if denied.DedupKey() == read.DedupKey() {
		t.Error("two calls share a dedup key")
	}

	version := evs[5]
	if version.VaultID != "vault://prod/kv/team-a" || version.ObjectName != "ci/deploy-key" || version.ObjectVersion != "2" ||
		version.Caller.AppID != "auth_token_5f1c2a" || version.Caller.UPN != "" || version.Caller.Name != "approle" {
		t.Errorf("version read on a mount with a slash: %+v", version)
	}

	destroy := evs[6]
	if destroy.Action != "destroy" || destroy.ObjectName != "apps/payments/DB" || destroy.ObjectVersion != "1,2" || destroy.Source.Offset != evs[6].Source.Offset {
		t.Errorf("prefixed destroy entry: %+v", destroy)
	}

	list := evs[7]
	if list.ObjectType != "" || list.Operation != "vault:list" || list.Action != "metadata" || list.VaultID != "vault://prod/secret" {
		t.Errorf("list entry: %+v", list)
	}
}

// TestVaultAuditCluster checks where the cluster of a store id comes from.
func TestVaultAuditCluster(t *testing.T) {
	line := []byte(`{"time":"2026-12-04T01:00:00Z","type":"response","request":{"id":"x","operation":"read","path":"secret/data/a","mount_point":"secret/","mount_type":"kv"}}`)
	ev, err := ParseRecord(line)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ev.VaultID, "vault://"+DefaultVaultCluster+"/secret"; got != want {
		t.Errorf("ParseRecord: store %q; want %q", got, want)
	}
	ev, err = ParseRecordWith(line, ParseOptions{VaultCluster: "eu-1.vault"})
	if err != nil || ev.VaultID != "vault://eu-1.vault/secret" || ev.VaultName != "eu-1.vault/secret" {
		t.Errorf("ParseRecordWith: %q %q %v", ev.VaultID, ev.VaultName, err)
	}
	for _, bad := range []string{"", "a/b", "x y", strings.Repeat("c", 64)} {
		if ValidVaultCluster(bad) == nil {
			t.Errorf("ValidVaultCluster(%q) = nil", bad)
		}
	}
	if err := ValidVaultCluster("prod-1.example"); err != nil {
		t.Error(err)
	}
}

func TestVaultAuditFields(t *testing.T) {
	entry := func(typ, req, rest string) string {
		return `{"time":"2026-12-04T01:00:00Z","type":"` + typ + `","request":{` + req + `}` + rest + `}`
	}
	tests := []struct {
		name    string
		in      string
		check   func(Event) bool
		wantErr string
	}{
		{"keys in any order, unknown keys ignored",
			`{"request":{"path":"secret/data/a","zzz":[1,{"q":2}],"operation":"read"},"extra":{"x":1},"type":"request","time":"2026-12-04T01:00:00Z"}`,
			func(ev Event) bool { return ev.ObjectName == "a" && ev.VaultID == "vault://default/secret" }, ""},
		{"header as a string, any case",
			entry("request", `"operation":"read","path":"secret/data/a","headers":{"User-Agent":"vault-cli"}`, ""),
			func(ev Event) bool { return ev.Caller.ClientInfo == "vault-cli" }, ""},
		{"accessor from the request when auth has none",
			entry("request", `"operation":"read","path":"secret/data/a","client_token_accessor":"hmac-sha256:00"`, ""),
			func(ev Event) bool { return ev.Caller.AppID == "hmac-sha256:00" }, ""},
		{"other error: failure, no status",
			entry("response", `"operation":"read","path":"secret/data/a"`, `,"error":"internal error"`),
			func(ev Event) bool {
				return ev.ResultType == "Failure" && ev.HTTPStatus == 0 && ev.ResultDescription == "internal error"
			}, ""},
		{"version as an HMAC names none",
			entry("request", `"operation":"read","path":"secret/data/a","data":{"version":"hmac-sha256:ab"}`, ""),
			func(ev Event) bool { return ev.ObjectVersion == "" }, ""},
		{"raw log version as text",
			entry("request", `"operation":"read","path":"secret/data/a","data":{"version":"7"}`, ""),
			func(ev Event) bool { return ev.ObjectVersion == "7" }, ""},
		{"namespace before the mount",
			entry("request", `"operation":"read","path":"secret/data/a","mount_point":"secret/","namespace":{"id":"Xyz","path":"team-a/"}`, ""),
			func(ev Event) bool { return ev.VaultID == "vault://default/team-a/secret" && ev.ObjectName == "a" }, ""},
		{"non-KV mount names nothing",
			entry("request", `"operation":"update","path":"transit/encrypt/data/x","mount_point":"transit/","mount_type":"transit"`, ""),
			func(ev Event) bool { return ev.VaultID == "" && ev.ObjectType == "" }, ""},
		{"help names nothing",
			entry("request", `"operation":"help","path":"secret/data/a"`, ""),
			func(ev Event) bool { return ev.ObjectType == "" && ev.ObjectName == "a" }, ""},
		{"no operation", entry("request", `"path":"secret/data/a"`, ""), nil, "request.operation missing"},
		{"no time", `{"type":"request","request":{"operation":"read","path":"secret/data/a"}}`, nil, "no time"},
		{"path an object", entry("request", `"operation":"read","path":{}`, ""), nil, "request.path: an object where text belongs"},
		{"auth an array", entry("request", `"operation":"read","path":"a"`, `,"auth":[1]`), nil, "auth: an array where an object belongs"},
		{"error an object", entry("response", `"operation":"read","path":"a"`, `,"error":{}`), nil, "error: an object where text belongs"},
		{"time an object", `{"time":{},"type":"request","request":{"operation":"read","path":"a"}}`, nil, "time: an object where text belongs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := ParseRecord([]byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v; want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ev.Shape != ShapeVaultAudit || !tt.check(ev) {
				t.Errorf("read as %+v", ev)
			}
		})
	}
}

// TestVaultNotKeyVault checks that a Key Vault record with a member
// named like a Vault entry's is still a Key Vault record.
func TestVaultNotKeyVault(t *testing.T) {
	ev, err := ParseRecord([]byte(`{"time":"2026-11-20T08:00:00Z","operationName":"SecretGet","type":"request","resourceId":"/SUBSCRIPTIONS/S/RESOURCEGROUPS/G/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV1","properties":{"requestUri":"https://kv1.vault.azure.net/secrets/a"}}`))
	if err != nil || ev.Shape != ShapeAuditEvent || ev.ObjectName != "a" {
		t.Errorf("got %+v, %v", ev, err)
	}
}

// TestEntryPrefixLongLine checks that a prefixed entry longer than a
// stream's buffer reads the same from memory and streamed: as text
// outside a JSON value.
func TestEntryPrefixLongLine(t *testing.T) {
	long := `p: {"time":"2026-12-04T01:00:00Z","type":"request","request":{"operation":"read","path":"secret/data/a","x":"` + strings.Repeat("a", readBufSize) + `"}}` + "\n"
	_, errMem := NewDecoderBytes([]byte(long), Position{}).Next()
	_, errStream := NewDecoder(strings.NewReader(long), "").Next()
	if errMem == nil || errStream == nil || errMem.Error() != errStream.Error() {
		t.Errorf("in memory: %v; streamed: %v", errMem, errStream)
	}
	short := `p: {"time":"2026-12-04T01:00:00Z","type":"request","request":{"operation":"read","path":"secret/data/a"}}`
	if ev, err := NewDecoder(strings.NewReader(short), "").Next(); err != nil || ev.ObjectName != "a" {
		t.Errorf("prefixed entry at the end of input without a newline: %+v, %v", ev, err)
	}
}
