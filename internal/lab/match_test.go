package lab

import (
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/registry"
)

func TestCheckMatches(t *testing.T) {
	const (
		vaultID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-pay"
		oid     = "e1a3c5e7-9b2d-4f6a-8c0e-2d4f6a8c0e19"
	)
	p := &pendingCheck{
		Check:   Check{Operation: "SecretGet", Token: "db-password", Vault: "kv-pay", Caller: "jdoe@fabrikam.example", tokenType: registry.Secret},
		vaultID: vaultID, callerID: oid,
	}
	inc := api.Incident{ID: 7, Vault: "kv-pay", VaultID: vaultID}
	good := api.Alert{Operation: "SecretGet", Token: "db-password", TokenType: "secret", Vault: "kv-pay", VaultID: vaultID,
		Caller: api.Caller{ObjectID: oid, UPN: "jdoe@fabrikam.example"}}
	tests := []struct {
		name    string
		alert   func(*api.Alert)
		inc     func(*api.Incident)
		want    bool
		wantWhy string // part of why; "" for none
	}{
		{name: "exact", want: true},
		{name: "case and a trailing slash differ", alert: func(a *api.Alert) {
			a.Token, a.Vault, a.VaultID, a.Caller.ObjectID = "DB-Password", "KV-PAY", strings.ToUpper(vaultID)+"/", strings.ToUpper(oid)
		}, want: true},
		{name: "another decoy", alert: func(a *api.Alert) { a.Token = "other" }},
		{name: "a key of the same name", alert: func(a *api.Alert) { a.TokenType = "key" }},
		{name: "another operation", alert: func(a *api.Alert) { a.Operation = "Authentication" }},
		{name: "suppressed", alert: func(a *api.Alert) { a.Suppressed, a.AllowedBy = true, oid }, wantWhy: "suppressed"},
		{name: "another caller", alert: func(a *api.Alert) { a.Caller = api.Caller{ObjectID: "127.0.0.1"} }, wantWhy: "names caller"},
		{name: "alert names another vault", alert: func(a *api.Alert) { a.Vault = "kv-other" }, wantWhy: "names vault"},
		{name: "incident names another vault", inc: func(i *api.Incident) { i.VaultID = vaultID + "x" }, wantWhy: "names vault"},
		{name: "incident names no vault", inc: func(i *api.Incident) { i.Vault = "" }, wantWhy: "names vault"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, i := good, inc
			if tt.alert != nil {
				tt.alert(&a)
			}
			if tt.inc != nil {
				tt.inc(&i)
			}
			got, why := p.matches(i, a)
			if got != tt.want {
				t.Errorf("got %v (%s); want %v", got, why, tt.want)
			}
			if tt.wantWhy == "" && why != "" || !strings.Contains(why, tt.wantWhy) {
				t.Errorf("why %q; want it to contain %q", why, tt.wantWhy)
			}
		})
	}
}

// A deleted diagnostic setting's alert, as the tamper rule raises it (no
// decoy; the Activity log's upper-case operation and resource), matches
// the selftest's tamper check and none of its access checks, and an
// access's alert does not match the tamper check.
func TestTamperCheckMatches(t *testing.T) {
	const (
		vaultID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-dev"
		oid     = "e1a3c5e7-9b2d-4f6a-8c0e-2d4f6a8c0e19"
	)
	tamper := &pendingCheck{Check: Check{Operation: opDiagnosticSettingsDelete, Vault: "kv-dev", setting: "audit-to-seclogs"}, vaultID: vaultID, callerID: oid}
	access := &pendingCheck{Check: Check{Operation: "SecretGet", Token: "db-password", Vault: "kv-dev", tokenType: registry.Secret}, vaultID: vaultID, callerID: oid}
	inc := api.Incident{ID: 3, Vault: "kv-dev", VaultID: vaultID, Title: tamperTitle}
	deleted := api.Alert{Operation: "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE", Vault: "kv-dev", VaultID: strings.ToUpper(vaultID), Caller: api.Caller{ObjectID: oid}}
	read := api.Alert{Operation: "SecretGet", Token: "db-password", TokenType: "secret", Vault: "kv-dev", VaultID: vaultID, Caller: api.Caller{ObjectID: oid}}
	tests := []struct {
		name  string
		check *pendingCheck
		alert api.Alert
		want  bool
	}{
		{"the deletion", tamper, deleted, true},
		{"a read is not the deletion", tamper, read, false},
		{"the deletion is not a read", access, deleted, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, why := tt.check.matches(inc, tt.alert); got != tt.want {
				t.Errorf("got %v (%s); want %v", got, why, tt.want)
			}
		})
	}
	if got, want := tamper.what(), "deleting diagnostic setting audit-to-seclogs of kv-dev"; got != want {
		t.Errorf("what %q; want %q", got, want)
	}
}
