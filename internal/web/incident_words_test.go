package web

import (
	"testing"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/incident"
	"github.com/honeyvault/honeyvault/internal/store"
)

func TestIncidentSentence(t *testing.T) {
	mallory := auditlog.Caller{UPN: "mallory@contoso.com", IP: "203.0.113.7"}
	alert := func(op, class, decoy, typ, vault string, status int, c auditlog.Caller) store.Alert {
		return store.Alert{Operation: op, Class: class, DecoyKey: vault + "/" + decoy, Token: decoy, TokenType: typ, VaultName: vault, HTTPStatus: status, Caller: c}
	}
	tamper := func(op, class, result, vault string, c auditlog.Caller) store.Alert {
		return store.Alert{Operation: op, Class: class, DecoyKey: vault + "||", ResultType: result, VaultName: vault, Caller: c}
	}
	in := store.Incident{Title: incident.TitleSecret, VaultName: "kv-payments-prod-weu"}
	tests := []struct {
		name   string
		in     store.Incident
		alerts []store.Alert
		want   string
	}{
		{"reads and a decrypt", in, []store.Alert{
			alert("SecretGet", "read", "a", "secret", "kv-payments-prod-weu", 200, mallory),
			alert("SecretGet", "read", "b", "secret", "kv-payments-prod-weu", 200, mallory),
			alert("SecretGet", "read", "a", "secret", "kv-payments-prod-weu", 200, mallory),
			alert("SecretGet", "read", "c", "secret", "kv-payments-prod-weu", 200, mallory),
			alert("KeyDecrypt", "crypto", "k", "key", "kv-payments-prod-weu", 200, mallory),
		}, "mallory@contoso.com read 3 decoy secrets and decrypted with 1 decoy key in kv-payments-prod-weu from 203.0.113.7"},
		{"refused, two types, two addresses", in, []store.Alert{
			alert("SecretGet", "read", "a", "secret", "kv-a", 403, auditlog.Caller{AppID: "app-1", IP: "192.0.2.1"}),
			alert("CertificateGet", "read", "c", "certificate", "kv-b", 403, auditlog.Caller{AppID: "app-1", IP: "192.0.2.2"}),
			alert("SecretPurge", "purge", "a", "secret", "kv-a", 204, auditlog.Caller{AppID: "app-1"}),
		}, "app app-1 tried to read 1 decoy secret and 1 decoy certificate and purged 1 decoy secret in kv-a and kv-b"},
		{"three vaults, unknown caller", in, []store.Alert{
			alert("SecretSet", "write", "a", "secret", "kv-a", 200, auditlog.Caller{}),
			alert("SecretSet", "write", "a", "secret", "kv-b", 200, auditlog.Caller{}),
			alert("KeyFrobnicate", "other", "a", "key", "kv-c", 200, auditlog.Caller{}),
		}, "an unknown caller wrote a new version of 2 decoy secrets and touched 1 decoy key in 3 vaults"},
		{"diagnostic setting deleted, then a read", store.Incident{Title: incident.TitleDiagnosticSettings, VaultName: "kv-a"},
			[]store.Alert{
				tamper("MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE", "audit-path-deleted", "Success", "kv-a", mallory),
				alert("SecretGet", "read", "a", "secret", "kv-a", 200, mallory),
			},
			"mallory@contoso.com deleted a diagnostic setting of the vault (its audit log may no longer reach honeyvault) and read 1 decoy secret in kv-a from 203.0.113.7"},
		{"a refused deletion", store.Incident{Title: incident.TitleDiagnosticSettings, VaultName: "kv-a"},
			[]store.Alert{tamper("Microsoft.Insights/diagnosticSettings/delete", "audit-path-deleted", "Failed", "kv-a", mallory)},
			"mallory@contoso.com tried and failed to delete a diagnostic setting of the vault (its audit log may no longer reach honeyvault) in kv-a from 203.0.113.7"},
		{"a read, then its canary value used elsewhere", in, []store.Alert{
			alert("SecretGet", "read", "a", "secret", "kv-a", 200, mallory),
			alert("canary:http", "used-outside-key-vault", "a", "secret", "kv-a", 0, auditlog.Caller{IP: "198.51.100.1", ClientInfo: `method="GET"`}),
		}, "mallory@contoso.com read 1 decoy secret and used, outside Key Vault, the value of 1 decoy secret in kv-a"},
		{"no alerts stored", in, nil, incident.TitleSecret + " in kv-payments-prod-weu"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := incidentSentence(tt.in, tt.alerts); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestHotOperation(t *testing.T) {
	for _, tt := range []struct {
		class, op string
		want      bool
	}{{"read", "SecretGet", true}, {"crypto", "KeyDecrypt", true}, {"crypto", "KeyUnwrapKey", true}, {"crypto", "KeySign", false},
		{"backup", "SecretBackup", true}, {"purge", "SecretPurge", true}, {"metadata", "SecretGetPolicy", false}, {"delete", "SecretDelete", false}} {
		if got := hotOperation(tt.class, tt.op); got != tt.want {
			t.Errorf("hotOperation(%s, %s) = %v; want %v", tt.class, tt.op, got, tt.want)
		}
	}
}
