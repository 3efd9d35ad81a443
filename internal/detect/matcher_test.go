package detect

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/registry"
)

const (
	vaultPay   = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-pay/providers/Microsoft.KeyVault/vaults/kv-pay"
	vaultHR    = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-hr/providers/Microsoft.KeyVault/vaults/kv-hr"
	vaultOther = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-pay/providers/Microsoft.KeyVault/vaults/kv-other"
	// kv-pay's name in another subscription: a different vault.
	vaultPayElsewhere = "/subscriptions/11111111-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-pay/providers/Microsoft.KeyVault/vaults/kv-pay"
)

func testDecoys() []registry.Decoy {
	return []registry.Decoy{
		{ID: 1, VaultID: vaultPay, Name: "db-password", Type: registry.Secret},
		{ID: 2, VaultID: vaultPay, Name: "Signing-Key", Type: registry.Key},
		{ID: 3, VaultID: vaultPay, Name: "web-tls", Type: registry.Certificate},
		{ID: 4, VaultID: vaultHR, Name: "payroll", Type: registry.Secret, Status: registry.Missing},
	}
}

// event builds a real event through the parser, as Key Vault logs it: rid
// is the record's resourceId ("" for none), id its properties.id.
func event(t testing.TB, rid, op, id, uri string, status int) auditlog.Event {
	t.Helper()
	rec := map[string]any{
		"time": "2026-11-20T08:00:00Z", "operationName": op, "category": "AuditEvent",
		"correlationId": "c1", "callerIpAddress": "203.0.113.7",
		"identity":   map[string]any{"claim": map[string]any{"oid": "oid-mallory", "upn": "mallory@contoso.com", "appid": "app-cli"}},
		"properties": map[string]any{"id": id, "requestUri": uri, "httpStatusCode": status},
	}
	if rid != "" {
		rec["resourceId"] = strings.ToUpper(rid)
	}
	b, _ := json.Marshal(rec)
	ev, err := auditlog.ParseRecord(b)
	if err != nil {
		t.Fatalf("ParseRecord(%s): %v", b, err)
	}
	return ev
}

func alertsOf(alerts []Alert) string {
	var s []string
	for _, a := range alerts {
		x := fmt.Sprintf("%d:%s/%s %s %s", a.Decoy.ID, a.Decoy.Type, a.Decoy.Name, a.Class, a.Severity)
		if a.Suppressed {
			x += " suppressed"
		}
		s = append(s, x)
	}
	sort.Strings(s)
	return strings.Join(s, ", ")
}

func TestMatch(t *testing.T) {
	ix, err := NewIndex(testDecoys())
	if err != nil {
		t.Fatal(err)
	}
	m := NewMatcher(ix, nil)
	const pay = "https://kv-pay.vault.azure.net"
	scenarios := []struct {
		name        string
		rid, op, id string
		uri         string
		status      int
		want        string
	}{
		// Exact and every spelling of it.
		{"secret read", vaultPay, "SecretGet", pay + "/secrets/db-password/0123456789abcdef0123456789abcdef", pay + "/secrets/db-password/?api-version=7.4", 200, "1:secret/db-password read high"},
		{"other case", vaultPay, "SecretGet", "", "HTTPS://KV-PAY.VAULT.AZURE.NET/SECRETS/DB-PASSWORD", 200, "1:secret/db-password read high"},
		{"trailing slash", vaultPay, "SecretGet", "", pay + "/secrets/db-password/", 200, "1:secret/db-password read high"},
		{"version", vaultPay, "SecretGet", "", pay + "/secrets/db-password/0123456789abcdef0123456789abcdef?api-version=7.4", 200, "1:secret/db-password read high"},
		{"port 443", vaultPay, "SecretGet", "", "https://kv-pay.vault.azure.net:443/secrets/db-password", 200, "1:secret/db-password read high"},
		{"percent-encoded", vaultPay, "SecretGet", "", pay + "/secrets/%64%62%2d%70assword", 200, "1:secret/db-password read high"},
		{"encoded slash", vaultPay, "SecretGet", "", pay + "/secrets%2Fdb-password", 200, "1:secret/db-password read high"},
		{"dot segments", vaultPay, "SecretGet", "", pay + "/keys/../secrets/./db-password", 200, "1:secret/db-password read high"},
		{"key name case", vaultPay, "KeyGet", pay + "/keys/signing-key/v1", pay + "/keys/SIGNING-KEY/", 200, "2:key/Signing-Key read high"},
		{"China cloud host, no resourceId", "", "SecretGet", "", "https://kv-pay.vault.azure.cn/secrets/db-password", 200, "1:secret/db-password read high"},
		{"US Gov host, no resourceId", "", "SecretGet", "", "https://KV-PAY.vault.usgovcloudapi.net:443/secrets/db-password/", 403, "1:secret/db-password read high"},
		{"German cloud host, no resourceId", "", "SecretGet", "", "https://kv-pay.vault.microsoftazure.de/secrets/db-password", 200, "1:secret/db-password read high"},
		// Operations.
		{"failed attempt", vaultPay, "SecretGet", "", pay + "/secrets/db-password/", 403, "1:secret/db-password read high"},
		{"unauthenticated challenge", vaultPay, "SecretGet", "", pay + "/secrets/db-password/", 401, "1:secret/db-password read high"},
		{"not found", vaultPay, "SecretGet", "", pay + "/secrets/db-password/", 404, "1:secret/db-password read high"},
		{"backup", vaultPay, "SecretBackup", pay + "/secrets/db-password", pay + "/secrets/db-password/backup", 200, "1:secret/db-password backup high"},
		{"list versions", vaultPay, "SecretListVersions", "", pay + "/secrets/db-password/versions?maxresults=25", 200, "1:secret/db-password list-versions medium"},
		{"update", vaultPay, "SecretUpdate", "", pay + "/secrets/db-password/v1", 200, "1:secret/db-password update medium"},
		{"overwrite", vaultPay, "SecretSet", "", pay + "/secrets/db-password", 200, "1:secret/db-password write medium"},
		{"delete", vaultPay, "SecretDelete", "", pay + "/secrets/db-password", 200, "1:secret/db-password delete medium"},
		{"get deleted", vaultPay, "SecretGetDeleted", "", pay + "/deletedsecrets/db-password", 200, "1:secret/db-password get-deleted medium"},
		{"purge", vaultPay, "SecretPurge", "", pay + "/deletedsecrets/db-password", 204, "1:secret/db-password purge medium"},
		{"recover", vaultPay, "SecretRecover", "", pay + "/deletedsecrets/db-password/recover", 200, "1:secret/db-password recover high"},
		{"restore, name from id", vaultPay, "SecretRestore", pay + "/secrets/db-password/v2", pay + "/secrets/restore", 200, "1:secret/db-password restore high"},
		{"sign", vaultPay, "KeySign", "", pay + "/keys/signing-key/abc/sign", 403, "2:key/Signing-Key crypto high"},
		{"unknown operation, verb in path", vaultPay, "KeyFrobnicate", "", pay + "/keys/signing-key/backup", 200, "2:key/Signing-Key backup high"},
		{"authentication failure", vaultPay, "Authentication", "", pay + "/secrets/db-password", 401, "1:secret/db-password read high"},
		{"missing decoy still watched", vaultHR, "SecretGet", "", "https://kv-hr.vault.azure.net/secrets/payroll", 200, "4:secret/payroll read high"},
		// Certificates through their key and secret.
		{"certificate read", vaultPay, "CertificateGet", "", pay + "/certificates/web-tls/", 200, "3:certificate/web-tls read high"},
		{"certificate's private key", vaultPay, "KeySign", "", pay + "/keys/web-tls/v1/sign", 200, "3:certificate/web-tls crypto high"},
		{"certificate's PFX", vaultPay, "SecretGet", pay + "/secrets/web-tls/v1", pay + "/secrets/WEB-TLS/", 200, "3:certificate/web-tls read high"},
		{"deleted certificate", vaultPay, "CertificatePurge", "", pay + "/deletedcertificates/web-tls", 204, "3:certificate/web-tls purge medium"},
		// Look-alikes and things that must not alert.
		{"prefix name", vaultPay, "SecretGet", "", pay + "/secrets/db-password-old", 200, ""},
		{"suffix name", vaultPay, "SecretGet", "", pay + "/secrets/old-db-password", 200, ""},
		{"shorter name", vaultPay, "SecretGet", "", pay + "/secrets/db-passwor", 200, ""},
		{"same name, other vault", vaultOther, "SecretGet", "", "https://kv-other.vault.azure.net/secrets/db-password", 200, ""},
		{"same vault name, other subscription", vaultPayElsewhere, "SecretGet", "", pay + "/secrets/db-password", 200, ""},
		{"other vault's host, no resourceId", "", "SecretGet", "", "https://kv-other.vault.azure.net/secrets/db-password", 200, ""},
		{"key named like a secret decoy", vaultPay, "KeyGet", "", pay + "/keys/db-password", 200, ""},
		{"secret named like a key decoy", vaultPay, "SecretGet", "", pay + "/secrets/signing-key", 200, ""},
		{"certificate named like a secret decoy", vaultPay, "CertificateGet", "", pay + "/certificates/db-password", 200, ""},
		{"list", vaultPay, "SecretList", "", pay + "/secrets?api-version=7.4", 200, ""},
		{"list deleted", vaultPay, "SecretListDeleted", "", pay + "/deletedsecrets", 200, ""},
		{"near-expiry notification", vaultPay, "SecretNearExpiryEventGridNotification", pay + "/secrets/db-password/v1", "", 0, ""},
		{"Kelvin sign", vaultPay, "KeyGet", "", pay + "/keys/signing-\u212Aey", 200, ""},
		{"name in the query only", vaultPay, "SecretList", "", pay + "/secrets?x=/secrets/db-password", 200, ""},
		{"unknown host, no resourceId", "", "SecretGet", "", "https://example.com/secrets/db-password", 200, ""},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			ev := event(t, sc.rid, sc.op, sc.id, sc.uri, sc.status)
			if got, want := alertsOf(m.Match(&ev)), sc.want; got != want {
				t.Errorf("got %q; want %q", got, want)
			}
		})
	}
}

func TestMatchActivityNever(t *testing.T) {
	ix, _ := NewIndex(testDecoys())
	ev := auditlog.Event{Kind: auditlog.KindActivity, VaultID: vaultPay, VaultName: "kv-pay", ObjectType: registry.Secret, ObjectName: "db-password"}
	if got := NewMatcher(ix, nil).Match(&ev); got != nil {
		t.Errorf("activity event matched: %v", got)
	}
}

func TestAlertCarriesEvent(t *testing.T) {
	ix, _ := NewIndex(testDecoys())
	ev := event(t, vaultPay, "SecretGet", "", "https://kv-pay.vault.azure.net/secrets/db-password", 200)
	alerts := NewMatcher(ix, nil).Match(&ev)
	if len(alerts) != 1 {
		t.Fatalf("%d alerts", len(alerts))
	}
	a := alerts[0]
	if got, want := a.Event.Caller.UPN, "mallory@contoso.com"; got != want {
		t.Errorf("caller %q; want %q", got, want)
	}
	if got, want := a.Decoy.VaultID, vaultPay; got != want {
		t.Errorf("vault id %q; want %q", got, want)
	}
	if got, want := a.Decoy.VaultName, "kv-pay"; got != want {
		t.Errorf("vault name %q; want %q", got, want)
	}
	if a.Suppressed || a.AllowedBy != nil {
		t.Errorf("suppressed without a rule")
	}
}

func TestAllowList(t *testing.T) {
	at := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	scenarios := []struct {
		name string
		rule AllowRule
		op   string
		want bool
	}{
		{"object id", AllowRule{Identity: "OID-MALLORY"}, "SecretGet", true},
		{"UPN", AllowRule{Identity: "Mallory@Contoso.com"}, "SecretGet", true},
		{"app id", AllowRule{Identity: "app-cli"}, "SecretGet", true},
		{"someone else", AllowRule{Identity: "oid-planter"}, "SecretGet", false},
		{"listed operation", AllowRule{Identity: "oid-mallory", Operations: []string{"SecretSet", "secretget"}}, "SecretGet", true},
		{"listed class", AllowRule{Identity: "oid-mallory", Operations: []string{"read"}}, "SecretGet", true},
		{"other operation", AllowRule{Identity: "oid-mallory", Operations: []string{"SecretSet"}}, "SecretGet", false},
		{"not yet expired", AllowRule{Identity: "oid-mallory", Expires: at.Add(time.Second)}, "SecretGet", true},
		{"expired", AllowRule{Identity: "oid-mallory", Expires: at}, "SecretGet", false},
		{"empty identity never matches", AllowRule{Identity: " "}, "SecretGet", false},
	}
	ix, _ := NewIndex(testDecoys())
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			m := NewMatcher(ix, AllowList{sc.rule})
			ev := event(t, vaultPay, sc.op, "", "https://kv-pay.vault.azure.net/secrets/db-password", 200)
			alerts := m.Match(&ev)
			if len(alerts) != 1 {
				t.Fatalf("%d alerts; want 1 (suppressed or not)", len(alerts))
			}
			if got, want := alerts[0].Suppressed, sc.want; got != want {
				t.Errorf("suppressed = %v; want %v", got, want)
			}
			if got, want := alerts[0].AllowedBy != nil, sc.want; got != want {
				t.Errorf("AllowedBy set = %v; want %v", got, want)
			}
		})
	}
	if err := (AllowRule{}).Validate(); err == nil {
		t.Error("a rule without identity is valid")
	}
}

func TestSetAllowListCopies(t *testing.T) {
	ix, _ := NewIndex(testDecoys())
	rules := AllowList{{Identity: "oid-mallory"}}
	m := NewMatcher(ix, rules)
	rules[0].Identity = "someone-else" // the caller's slice changes later
	ev := event(t, vaultPay, "SecretGet", "", "https://kv-pay.vault.azure.net/secrets/db-password", 200)
	if a := m.Match(&ev); len(a) != 1 || !a[0].Suppressed {
		t.Errorf("allow list not copied: %v", alertsOf(a))
	}
	m.SetAllowList(nil)
	if a := m.Match(&ev); len(a) != 1 || a[0].Suppressed {
		t.Errorf("allow list not replaced: %v", alertsOf(a))
	}
}

func TestClassTable(t *testing.T) {
	tests := []struct {
		op     string
		class  Class
		sev    Severity
		alerts bool
	}{
		{"SecretGet", ClassRead, High, true},
		{"KEYGET", ClassRead, High, true},
		{"KeyUnwrap", ClassCrypto, High, true},
		{"CertificateBackup", ClassBackup, High, true},
		{"KeyRecover", ClassRecover, High, true},
		{"KeyRestore", ClassRestore, High, true},
		{"CertificateListVersions", ClassListVersions, Medium, true},
		{"KeyGetDeleted", ClassGetDeleted, Medium, true},
		{"CertificatePolicyGet", ClassMetadata, Medium, true},
		{"KeyRotate", ClassWrite, Medium, true},
		{"CertificateUpdate", ClassUpdate, Medium, true},
		{"KeyDelete", ClassDelete, Medium, true},
		{"CertificatePurge", ClassPurge, Medium, true},
		{"SomethingNew", ClassOther, Medium, true},
		{"KeyList", ClassList, Medium, false},
		{"VaultGet", ClassList, Medium, false},
		{"KeyNewVersionCreatedEventGridNotification", ClassNotification, Medium, false},
	}
	for _, tt := range tests {
		ev := auditlog.Event{Operation: tt.op}
		c := Classify(&ev)
		if c != tt.class || c.Severity() != tt.sev || c.Alerts() != tt.alerts {
			t.Errorf("%s: %s %s %v; want %s %s %v", tt.op, c, c.Severity(), c.Alerts(), tt.class, tt.sev, tt.alerts)
		}
	}
}

func TestAuthChallengeIsSuppressedButBadTokensAlert(t *testing.T) {
	ix, _ := NewIndex(testDecoys())
	m := NewMatcher(ix, nil)
	parse := func(claim map[string]any, status int, desc string) auditlog.Event {
		t.Helper()
		b, _ := json.Marshal(map[string]any{
			"time": "2026-11-20T08:00:00Z", "operationName": "SecretGet", "category": "AuditEvent",
			"resourceId": strings.ToUpper(vaultPay), "correlationId": "c1", "callerIpAddress": "203.0.113.7",
			"resultType": "Success", "resultSignature": "Unauthorized", "resultDescription": desc,
			"identity":   map[string]any{"claim": claim},
			"properties": map[string]any{"requestUri": "https://kv-pay.vault.azure.net/secrets/db-password/?api-version=7.4", "httpStatusCode": status},
		})
		ev, err := auditlog.ParseRecord(b)
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	scenarios := []struct {
		name       string
		claim      map[string]any
		status     int
		desc       string
		suppressed bool
	}{
		{"handshake", nil, 401, "Unauthorized: AKV10000: Request is missing a Bearer or PoP token.", true},
		{"expired token", nil, 401, "Unauthorized: AKV10022: Invalid audience.", false},
		{"401 without description", nil, 401, "", false},
		{"handshake text but an identity", map[string]any{"oid": "oid-mallory"}, 401, "AKV10000: Request is missing a Bearer or PoP token.", false},
		{"forbidden", map[string]any{"oid": "oid-mallory"}, 403, "Forbidden", false},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			ev := parse(sc.claim, sc.status, sc.desc)
			alerts := m.Match(&ev)
			if len(alerts) != 1 {
				t.Fatalf("%d alerts; want 1", len(alerts))
			}
			if got, want := alerts[0].Suppressed, sc.suppressed; got != want {
				t.Errorf("suppressed = %v; want %v", got, want)
			}
			if sc.suppressed && alerts[0].AllowedBy.Identity != AuthChallengeRule.Identity {
				t.Errorf("allowed by %+v", alerts[0].AllowedBy)
			}
		})
	}
}

// A refused attempt at a decoy is an attacker's probe all the same: its
// severity follows what was attempted, not what Key Vault answered. A
// failed sign-in is logged as "Authentication", without the operation or
// the HTTP method, so what it attempted comes from the request URI (a
// decoy's own URI counts as a read, the worst it could have been). Only the
// SDK's tokenless handshake is suppressed.
func TestRefusedAttemptsKeepTheirSeverity(t *testing.T) {
	ix, _ := NewIndex(testDecoys())
	m := NewMatcher(ix, nil)
	const pay = "https://kv-pay.vault.azure.net"
	mallory := map[string]any{"oid": "oid-mallory", "appid": "app-cli"}
	scenarios := []struct {
		name   string
		op     string
		uri    string
		status int
		desc   string
		claim  map[string]any
		want   string
	}{
		{"read refused", "SecretGet", pay + "/secrets/db-password/", 403, "Forbidden", mallory, "1:secret/db-password read high"},
		{"read of a name not there", "SecretGet", pay + "/secrets/db-password/", 404, "SecretNotFound", mallory, "1:secret/db-password read high"},
		{"foreign tenant's token", "Authentication", pay + "/secrets/db-password/?api-version=7.4", 401, "AKV10032: Invalid issuer.", nil, "1:secret/db-password read high"},
		{"bad token, a version", "Authentication", pay + "/secrets/db-password/0123456789abcdef0123456789abcdef", 401, "AKV10022: Invalid audience.", nil, "1:secret/db-password read high"},
		{"bad token, sign", "Authentication", pay + "/keys/signing-key/v1/sign", 401, "AKV10022: Invalid audience.", mallory, "2:key/Signing-Key crypto high"},
		{"bad token, backup", "Authentication", pay + "/secrets/db-password/backup", 401, "AKV10032: Invalid issuer.", nil, "1:secret/db-password backup high"},
		{"bad token, recover", "Authentication", pay + "/deletedsecrets/db-password/recover", 401, "AKV10032: Invalid issuer.", nil, "1:secret/db-password recover high"},
		{"bad token, deleted copy", "Authentication", pay + "/deletedsecrets/db-password", 401, "AKV10032: Invalid issuer.", nil, "1:secret/db-password get-deleted medium"},
		{"bad token, certificate policy", "Authentication", pay + "/certificates/web-tls/policy", 401, "AKV10032: Invalid issuer.", nil, "3:certificate/web-tls metadata medium"},
		{"backup refused", "KeyBackup", pay + "/keys/signing-key/backup", 403, "Forbidden", mallory, "2:key/Signing-Key backup high"},
		{"recover refused", "SecretRecover", pay + "/deletedsecrets/db-password/recover", 403, "Forbidden", mallory, "1:secret/db-password recover high"},
		{"delete refused", "SecretDelete", pay + "/secrets/db-password", 403, "Forbidden", mallory, "1:secret/db-password delete medium"},
		{"update refused", "SecretUpdate", pay + "/secrets/db-password/v1", 403, "Forbidden", mallory, "1:secret/db-password update medium"},
		{"the SDK's handshake", "Authentication", pay + "/secrets/db-password/", 401, "Unauthorized: AKV10000: Request is missing a Bearer or PoP token.", nil, "1:secret/db-password read high suppressed"},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			b, _ := json.Marshal(map[string]any{
				"time": "2026-11-20T08:00:00Z", "operationName": sc.op, "category": "AuditEvent",
				"resourceId": strings.ToUpper(vaultPay), "correlationId": "c1", "callerIpAddress": "203.0.113.7",
				"resultType": "Success", "resultDescription": sc.desc, "identity": map[string]any{"claim": sc.claim},
				"properties": map[string]any{"requestUri": sc.uri, "httpStatusCode": sc.status},
			})
			ev, err := auditlog.ParseRecord(b)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := alertsOf(m.Match(&ev)), sc.want; got != want {
				t.Errorf("got %q; want %q", got, want)
			}
		})
	}
}
