package auditpath

import "strings"

// fixLogs is the --logs argument of the fix: AuditEvent, enabled.
const fixLogs = `'[{"category":"AuditEvent","enabled":true}]'`

// Fix is the Azure CLI command that creates a diagnostic setting sending
// the vault's AuditEvent to the first destination honeyvault reads, "" when
// it knows none. A part the configuration does not give (an Event Hubs
// namespace's resource group, when only its name is known) is left as a
// <placeholder> to fill in.
func (d *Destinations) Fix(vaultID string) string {
	if len(d.list) == 0 {
		return ""
	}
	cmd := "az monitor diagnostic-settings create --name " + WiringName + " --resource " + vaultID + " --logs " + fixLogs
	dst := d.list[0]
	switch dst.Kind {
	case EventHub:
		ns := dst.NamespaceID
		if ns == "" {
			ns = "/subscriptions/<subscription>/resourceGroups/<resource-group>/providers/Microsoft.EventHub/namespaces/" + dst.Namespace
		}
		hub := dst.Hub
		if hub == "" {
			hub = DefaultHub
		}
		return cmd + " --event-hub " + hub + " --event-hub-rule " + ns + "/authorizationRules/" + DefaultRule
	case Storage:
		acc := dst.AccountID
		if acc == "" {
			acc = "/subscriptions/<subscription>/resourceGroups/<resource-group>/providers/Microsoft.Storage/storageAccounts/" + dst.Account
		}
		return cmd + " --storage-account " + acc
	case Workspace:
		return cmd + " --workspace " + strings.TrimRight(dst.WorkspaceID, "/")
	}
	return ""
}
