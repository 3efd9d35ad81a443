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
)

// Title names an incident after the alert that opened it: by its decoy's
// type, or the diagnostic-settings title for an activity (control-plane)
// record.
func Title(a *detect.Alert) string {
	if a.Event.Kind == auditlog.KindActivity {
		return TitleDiagnosticSettings
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
