package notify

import (
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/store"
)

// A decoy access lists the decoy; a tamper alert (no decoy) lists the
// change in plain words, by whom, and the operation; a refused deletion of
// the audit path says it was tried.
func TestAlertLine(t *testing.T) {
	at := time.Date(2026, 11, 20, 8, 0, 1, 0, time.UTC)
	mallory := store.Alert{Time: at, VaultName: "kv-pay", CallerKey: "m"}
	mallory.Caller.UPN, mallory.Caller.IP = "mallory@contoso.com", "203.0.113.7"
	read := mallory
	read.Token, read.TokenType, read.Operation, read.Class, read.HTTPStatus = "db-password", "secret", "SecretGet", "read", 200
	deleted := mallory
	deleted.Operation, deleted.Class, deleted.ResultType = "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE", "audit-path-deleted", "Success"
	refused := deleted
	refused.ResultType = "Failed"
	tests := []struct {
		in   store.Alert
		want string
	}{
		{read, "2026-11-20T08:00:01Z SecretGet secret kv-pay/db-password by mallory@contoso.com from 203.0.113.7 (HTTP 200)"},
		{deleted, "2026-11-20T08:00:01Z mallory@contoso.com deleted a diagnostic setting of the vault (its audit log may no longer reach honeyvault) in kv-pay (MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE) from 203.0.113.7"},
		{refused, "2026-11-20T08:00:01Z mallory@contoso.com tried and failed to delete a diagnostic setting of the vault (its audit log may no longer reach honeyvault) in kv-pay (MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE) from 203.0.113.7"},
	}
	for _, tt := range tests {
		if got := AlertLine(alertInfo(tt.in)); got != tt.want {
			t.Errorf("got  %q\nwant %q", got, tt.want)
		}
	}
}

// An incident in another provider's store names the provider, in the
// message's JSON and in words in its text; a Key Vault's text is as before.
func TestMessageNamesProvider(t *testing.T) {
	for _, c := range []struct{ vaultID, provider, line string }{
		{"vault://prod/secret", "hashicorp-vault", "Vault:     HashiCorp Vault vault://prod/secret\n"},
		{"arn:aws:secretsmanager:eu-west-1:111122223333", "aws-secretsmanager", "Vault:     AWS Secrets Manager arn:aws:secretsmanager:eu-west-1:111122223333\n"},
		{"/subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/kv-a", "azure-keyvault", "Vault:     /subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/kv-a\n"},
	} {
		m := &Message{Incident: incidentInfo(store.Incident{ID: 7, VaultID: c.vaultID}, "https://hv.example")}
		if m.Incident.Provider != c.provider {
			t.Errorf("%s: provider %q, want %q", c.vaultID, m.Incident.Provider, c.provider)
		}
		if text := m.Text(); !strings.Contains(text, c.line) {
			t.Errorf("%s: text lacks %q:\n%s", c.vaultID, c.line, text)
		}
	}
}
