// Package kvemu is a faithful Azure Key Vault emulator that the unchanged
// Azure SDK for Go talks to, the way Azurite stands in for Azure Storage.
//
// One TLS listener on 127.0.0.1 serves every emulated vault
// (https://{vault}.vault.azure.net, routed by Host) and an Azure Resource
// Manager endpoint (https://management.azure.com). Clients reach it through
// [Emulator.HTTPClient], whose dialer sends every emulated host to the
// listener and which trusts the emulator's generated CA, so vault URLs stay
// real-looking and the SDK's challenge-resource check passes.
//
// Data plane: secrets, keys (real RSA and EC key material) and certificates
// (self-signed, with the backing key and secret of the same name), soft
// delete, recover, purge, backup and restore, paging with nextLink, the
// bearer challenge, both permission models (access policies and RBAC) and
// Azure's error bodies. Management plane (plain ARM REST; the paths are
// listed in arm.go, arm_diagnostics.go and arm_authorization.go):
// subscriptions, resource groups, resources, vaults, tags, access policies,
// diagnostic settings, role assignments and permissions.
//
// Identities: [Emulator.Credential] mints bearer tokens for an [Identity]
// in process; [Emulator.RegisterApp] lets azidentity's client-secret
// credential sign in at the emulated login.microsoftonline.com.
//
// Every data-plane request produces an AuditEvent record in Azure's shape
// ([AuditRecord]); control-plane changes produce Activity-log records
// ([ActivityRecord]). Records go only where a diagnostic setting sends them:
// a diagnostic setting names destinations (a storage account, an Event Hubs
// authorization rule, a workspace) and [Emulator.RegisterDestination] binds
// a destination id to a [Sink] (memory, JSON-lines files in the storage
// archive layout, HTTP push; Kafka and Azure Storage append blobs are the
// subpackages kafkasink and blobsink, so the emulator links neither client).
//
// Log Analytics workspaces are the subpackage loganalytics: they store the
// records as AzureDiagnostics or AZKVAuditLogs rows (and AzureActivity) and
// answer the azlogs SDK's queries in a subset of KQL, on this listener
// ([Emulator.Mount] lets a service of another package answer for an Azure
// host; [Emulator.Authenticate] checks its callers' tokens).
// PauseDelivery and ResumeDelivery make records arrive late, on purpose;
// SetVaultDelivery and SetDestinationDelivery delay, hold or drop the
// records of one vault or bound for one destination while the emulator
// runs (a vault whose logs stop, arrive late, or come back).
//
// The emulator is the oracle honeyvault's log parsers are tested against, so
// it must never import them (see the import-boundary test).
//
// Management-plane paths (host management.azure.com, any api-version):
//
//	GET    /subscriptions                                                         subscriptions of the caller's tenant
//	GET    /subscriptions/{s}[/resources | /resourcegroups[/{rg}[/resources]]]     (PUT creates a resource group)
//	GET    /subscriptions/{s}[/resourceGroups/{rg}]/providers/Microsoft.KeyVault/vaults
//	GET|PUT|PATCH|DELETE {vault id}                                                VaultGet/VaultPut/VaultPatch audit records
//	PUT    {vault id}/accessPolicies/{add|replace|remove}
//	GET|PUT|DELETE {vault id or /subscriptions/{s}}/providers/Microsoft.Insights/diagnosticSettings[/{name}]
//	GET|PUT|PATCH {vault id}/providers/Microsoft.Resources/tags/default
//	GET|PUT|DELETE {scope}/providers/Microsoft.Authorization/roleAssignments[/{guid}]
//	GET    {scope}/providers/Microsoft.Authorization/permissions
//	GET    /subscriptions/{s}/providers/Microsoft.Insights/eventtypes/management/values?$filter=eventTimestamp ge '...'
//
// The last is the Activity log's REST API, in its own schema
// ([ActivityEvent]: operationName.value, status.value, ...); records sent
// through diagnostic settings use the export schema ([ActivityRecord],
// where operationName is a plain string).
//
// Writes are logged to the Activity log (Start and Success records) with
// operation names such as MICROSOFT.KEYVAULT/VAULTS/WRITE,
// MICROSOFT.KEYVAULT/VAULTS/ACCESSPOLICIES/WRITE and
// MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE; as Azure does, the Start
// record of a write carries the request body (properties.requestbody) and
// the Success record of a diagnostic-setting, access-policy or vault write
// the answer (properties.responseBody), in all three schemas (AzureActivity's
// Properties_d). ARM does not check the caller's control-plane roles: any
// valid token of the subscription's tenant may manage it, except a
// principal refused with [Emulator.DenyManagement], whose changes get 403
// AuthorizationFailed and a Failed record.
//
// All methods of [Emulator] are safe for concurrent use.
package kvemu
