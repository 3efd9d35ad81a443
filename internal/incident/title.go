package incident

import (
	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// Titles, as the original Sentinel analytics rules named their incidents.
const (
	TitleSecret             = "HoneyTokens: KeyVault HoneyTokens secret accessed"
	TitleKey                = "HoneyTokens: KeyVault HoneyTokens key accessed"
	TitleCertificate        = "HoneyTokens: KeyVault HoneyTokens certificate accessed"
	TitleDiagnosticSettings = "HoneyTokens: KeyVault HoneyTokens diagnostic settings deleted or changed"
	// The tamper rules the original did not have, named in its style.
	TitleVaultAccess  = "HoneyTokens: KeyVault HoneyTokens vault access changed"
	TitleVaultChanged = "HoneyTokens: KeyVault HoneyTokens vault deleted or changed"
	// TitleCanary names an incident opened by a decoy's canary value used
	// outside Key Vault (auditlog.KindCanary).
	TitleCanary = "HoneyTokens: KeyVault HoneyTokens secret used outside Key Vault"
)

// Title names an incident after the alert that opened it: by its decoy's
// type, or by the tamper rule of an activity (control-plane) record.
func Title(a *detect.Alert) string {
	if a.Event.Kind == auditlog.KindActivity {
		switch a.Class {
		case detect.ClassAccessPolicy, detect.ClassRoleAssignment:
			return TitleVaultAccess
		case detect.ClassVaultDeleted, detect.ClassNetworkRules, detect.ClassVaultChanged:
			return TitleVaultChanged
		}
		return TitleDiagnosticSettings
	}
	if a.Event.Kind == auditlog.KindHealth {
		return gapTitle(a) // a vault's audit records stopped reaching honeyvault
	}
	if a.Event.Kind == auditlog.KindCanary {
		return TitleCanary
	}
	if a.Event.Kind == auditlog.KindDrift {
		return driftTitle(a) // what reconcile found changed, in words
	}
	switch a.Decoy.Type {
	case registry.Key:
		return TitleKey
	case registry.Certificate:
		return TitleCertificate
	}
	return TitleSecret
}
