package detect

import (
	"strings"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/auditpath"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// Tamper classes: what an Activity-log record did to a vault holding decoys.
const (
	ClassAuditPathDeleted  Class = "audit-path-deleted"  // a diagnostic setting deleted (or an attempt)
	ClassAuditPathDisabled Class = "audit-path-disabled" // a diagnostic setting written without AuditEvent
	ClassAuditPathChanged  Class = "audit-path-changed"  // a diagnostic setting written, the record does not say how
	// ClassAuditPathRedirected is a diagnostic setting written so that it
	// sends AuditEvent only to destinations honeyvault does not read.
	ClassAuditPathRedirected Class = "audit-path-redirected"
	ClassAccessPolicy        Class = "access-policy"   // access policies written
	ClassRoleAssignment      Class = "role-assignment" // a role assigned on the vault's scope
	ClassVaultDeleted        Class = "vault-deleted"
	ClassNetworkRules        Class = "network-rules" // the vault's firewall written
	ClassVaultChanged        Class = "vault-changed" // the vault written, the record does not say how
)

// IsTamper reports whether c is a tamper class (an Activity-log rule's).
func (c Class) IsTamper() bool { return tamperWords[c] != "" }

// IsAuditPath reports whether c is the diagnostic-settings rule's: the
// original Sentinel solution's third analytics rule.
func (c Class) IsAuditPath() bool {
	return c == ClassAuditPathDeleted || c == ClassAuditPathDisabled || c == ClassAuditPathChanged || c == ClassAuditPathRedirected
}

// tamperWords says what each tamper class means, for people.
var tamperWords = map[Class]string{
	ClassAuditPathDeleted:    "deleted a diagnostic setting of the vault (its audit log may no longer reach honeyvault)",
	ClassAuditPathDisabled:   "changed a diagnostic setting of the vault so that it no longer sends AuditEvent",
	ClassAuditPathChanged:    "changed a diagnostic setting of the vault (the record does not say how: check it still sends AuditEvent)",
	ClassAuditPathRedirected: "changed a diagnostic setting of the vault so that it sends AuditEvent only to destinations honeyvault does not read",
	ClassAccessPolicy:        "changed the vault's access policies",
	ClassRoleAssignment:      "assigned a role on the vault (or on its resource group or subscription)",
	ClassVaultDeleted:        "deleted the vault",
	ClassNetworkRules:        "changed the vault's network rules",
	ClassVaultChanged:        "changed the vault's properties (the record does not say how: check its access policies and network rules)",
}

// DescribeTamper says in plain words what an alert of tamper class c did,
// "" for other classes; failed is set when the change was refused (only a
// deletion of the audit path alerts then).
func DescribeTamper(c Class, failed bool) string {
	w := tamperWords[c]
	if w == "" || !failed {
		return w
	}
	return "tried and failed to " + strings.Replace(w, "deleted", "delete", 1)
}

// ChangeRefused reports whether an Activity record's outcome, as stored
// with its alert (the export's resultType Failure, the REST API's and
// AzureActivity's status Failed), says the change was refused.
func ChangeRefused(result string) bool {
	return strings.EqualFold(result, "Failure") || strings.EqualFold(result, "Failed")
}

// Activity operations the tamper rules read, upper-cased as Azure logs them.
const (
	OpDiagnosticSettingsDelete = "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE"
	OpDiagnosticSettingsWrite  = "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/WRITE"
	OpAccessPoliciesWrite      = "MICROSOFT.KEYVAULT/VAULTS/ACCESSPOLICIES/WRITE"
	OpVaultWrite               = "MICROSOFT.KEYVAULT/VAULTS/WRITE"
	OpVaultDelete              = "MICROSOFT.KEYVAULT/VAULTS/DELETE"
	OpRoleAssignmentsWrite     = "MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE"
)

// activityOutcome is what an Activity record's status says happened.
type activityOutcome int

const (
	outcomeOther     activityOutcome = iota // Started, Accepted, unknown: not yet a change
	outcomeSucceeded                        // Succeeded (REST), Success (export, AzureActivity)
	outcomeFailed                           // Failed, Failure
)

func outcomeOf(ev *auditlog.Event) activityOutcome {
	switch strings.ToLower(strings.TrimSpace(ev.Status)) {
	case "succeeded", "success":
		return outcomeSucceeded
	case "failed", "failure":
		return outcomeFailed
	}
	return outcomeOther
}

// TamperClass decides which tamper rule, if any, an Activity event falls
// under, whatever vault it names: only successful changes count, except
// that a failed deletion of a diagnostic setting counts too (an attempt to
// cut the audit path). It returns "" for anything else: reads, Started
// records, other operations, refused changes.
func TamperClass(ev *auditlog.Event) Class { return TamperClassFor(ev, nil) }

// TamperClassFor is TamperClass knowing which destinations honeyvault
// reads: a diagnostic setting written so that it sends AuditEvent, but
// only to destinations d does not read, is ClassAuditPathRedirected. With
// d nil, or knowing no destination, such a write does not alert.
func TamperClassFor(ev *auditlog.Event, d *auditpath.Destinations) Class {
	if ev.Kind != auditlog.KindActivity {
		return ""
	}
	outcome := outcomeOf(ev)
	op := strings.ToUpper(strings.TrimSpace(ev.Operation))
	if op == OpDiagnosticSettingsDelete && outcome != outcomeOther {
		return ClassAuditPathDeleted
	}
	if outcome != outcomeSucceeded {
		return ""
	}
	switch op {
	case OpDiagnosticSettingsWrite:
		switch setting, known := settingOf(first(ev.RequestBody, ev.ResponseBody)); {
		case !known:
			return ClassAuditPathChanged
		case !setting.SendsAuditEvent():
			return ClassAuditPathDisabled
		case d != nil && d.Known() && !d.Reads(setting):
			return ClassAuditPathRedirected
		}
	case OpAccessPoliciesWrite:
		return ClassAccessPolicy
	case OpRoleAssignmentsWrite:
		return ClassRoleAssignment
	case OpVaultDelete:
		return ClassVaultDeleted
	case OpVaultWrite:
		// Only what the caller sent says what changed: the answer is the
		// whole vault, access policies and all, whatever the write was.
		return vaultWriteClass(ev.RequestBody)
	}
	return ""
}

// Tamper returns the alerts an Activity event raises when it falls under a
// tamper rule (see TamperClassFor) and names a vault holding decoys — one
// per vault a role assignment on a subscription or resource group covers —
// nil otherwise; their operation is upper-cased. The alert's Decoy carries only the vault: the change is to the
// vault, not to one decoy. An allow rule covers it when it names the
// caller, has no decoy name or type in its scope (the planter's per-decoy
// rules do not cover its vault), and lists the operation, the class or
// nothing — so the planter's temporary access-policy grant, which the
// deployer allow-lists for that vault just before it sends it, does not
// alert.
func (m *Matcher) Tamper(ev *auditlog.Event) []Alert {
	class := TamperClassFor(ev, m.dest.Load())
	if class == "" {
		return nil
	}
	var out []Alert
	for _, v := range m.tamperedVaults(ev, class) {
		if class.IsAuditPath() && m.besideTheRoute(v.ID, ev.ResourceID) {
			continue
		}
		vault := registry.Decoy{VaultID: v.ID, VaultName: v.Name}
		a := Alert{Decoy: vault, Event: *ev, Class: class, Severity: class.Severity()}
		// One spelling whatever the shape (the REST API writes
		// Microsoft.Insights/diagnosticSettings/delete): Azure's own upper case,
		// as the export and AzureActivity carry it and the lab's report expects.
		a.Event.Operation = strings.ToUpper(strings.TrimSpace(ev.Operation))
		if rule, allowed := m.allow.Load().allowed(vault, ev.Caller, ev.Operation, class, ev.Time); allowed {
			a.Suppressed, a.AllowedBy = true, &rule
		}
		out = append(out, a)
	}
	return out
}

// tamperedVaults are the vaults holding decoys a tamper event is about: the
// one it names or, for a role assigned on a subscription or resource group,
// every one that scope covers (the role reaches them all).
func (m *Matcher) tamperedVaults(ev *auditlog.Event, class Class) []ScopedVault {
	if id, name, ok := m.index.Vault(first(ev.VaultID, ev.ResourceID)); ok {
		return []ScopedVault{{ID: id, Name: name}}
	}
	if class != ClassRoleAssignment {
		return nil
	}
	if sub, group, ok := broadScope(ev.ResourceID); ok {
		return m.index.VaultsUnder(sub, group)
	}
	return nil
}

// SetAuditRoutes tells the tamper rules, by vault key (registry.VaultKey),
// which diagnostic settings the last check found sending AuditEvent to a
// destination honeyvault reads. A change to another setting of such a
// vault — deleted, or written without AuditEvent or to elsewhere — cannot
// cut the audit path while those stand, and raises nothing; a vault with
// no known route alerts on any such change, as before any check.
func (m *Matcher) SetAuditRoutes(routes map[string][]string) { m.routes.Store(&routes) }

// besideTheRoute reports whether resourceID names a diagnostic setting of
// the vault that is not one of its known routes to honeyvault, while it
// has some.
func (m *Matcher) besideTheRoute(vaultID, resourceID string) bool {
	p := m.routes.Load()
	if p == nil {
		return false
	}
	routes := (*p)[registry.VaultKey(vaultID)]
	name := diagnosticSettingName(resourceID)
	if len(routes) == 0 || name == "" {
		return false
	}
	for _, r := range routes {
		if strings.EqualFold(r, name) {
			return false
		}
	}
	return true
}

// diagnosticSettingName is the setting an Activity record's resource id
// names ("…/providers/microsoft.insights/diagnosticSettings/NAME"), ""
// when it names none.
func diagnosticSettingName(resourceID string) string {
	const marker = "/providers/microsoft.insights/diagnosticsettings/"
	i := strings.LastIndex(strings.ToLower(resourceID), marker)
	if i < 0 {
		return ""
	}
	name := strings.TrimRight(resourceID[i+len(marker):], "/")
	if strings.Contains(name, "/") {
		return ""
	}
	return name
}

// SetDestinations tells the tamper rules which destinations honeyvault
// reads, so that a diagnostic setting redirected away from them alerts
// (ClassAuditPathRedirected). nil, the default, knows none.
func (m *Matcher) SetDestinations(d *auditpath.Destinations) { m.dest.Store(d) }

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
