package loganalytics

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/honeyvault/honeyvault/internal/kvemu"
)

// Log Analytics shapes of an AuditEvent record (reference §5): the legacy
// AzureDiagnostics table (flattened columns with type suffixes) and the
// resource-specific AZKVAuditLogs table. Values are typed as Log Analytics
// returns them: datetime columns as strings, numbers, booleans, and
// dynamic columns as JSON strings.

// Column is one column of a Log Analytics table.
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"` // string, datetime, long, int, real, bool, guid, dynamic
}

// AzureDiagnosticsColumns are the AzureDiagnostics columns a Key Vault
// AuditEvent fills, in the order the emulator returns them.
var AzureDiagnosticsColumns = []Column{
	{"TenantId", "string"}, {"TimeGenerated", "datetime"}, {"ResourceId", "string"}, {"Category", "string"},
	{"ResourceGroup", "string"}, {"SubscriptionId", "string"}, {"ResourceProvider", "string"}, {"Resource", "string"},
	{"ResourceType", "string"}, {"OperationName", "string"}, {"ResultType", "string"}, {"CorrelationId", "string"},
	{"ResultSignature", "string"}, {"ResultDescription", "string"}, {"DurationMs", "long"}, {"CallerIPAddress", "string"},
	{"OperationVersion", "string"}, {"id_s", "string"}, {"clientInfo_s", "string"}, {"httpStatusCode_d", "real"},
	{"requestUri_s", "string"}, {"isAccessPolicyMatch_b", "bool"}, {"isRbacAuthorized_b", "bool"}, {"tlsVersion_s", "string"},
	{"identity_claim_oid_g", "guid"}, {"identity_claim_upn_s", "string"}, {"identity_claim_appid_g", "guid"},
	{"identity_claim_unique_name_s", "string"}, {"identity_claim_ipaddr_s", "string"},
	{"identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g", "guid"},
	{"identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_upn_s", "string"},
	{"Type", "string"}, {"_ResourceId", "string"},
}

// AZKVAuditLogsColumns are the AZKVAuditLogs columns the emulator fills.
var AZKVAuditLogsColumns = []Column{
	{"TenantId", "string"}, {"TimeGenerated", "datetime"}, {"OperationName", "string"}, {"OperationVersion", "string"},
	{"ResultType", "string"}, {"ResultSignature", "string"}, {"ResultDescription", "string"}, {"DurationMs", "int"},
	{"CallerIpAddress", "string"}, {"CorrelationId", "string"}, {"Identity", "dynamic"}, {"HttpStatusCode", "int"},
	{"RequestUri", "string"}, {"Id", "string"}, {"ClientInfo", "string"}, {"IsAccessPolicyMatch", "bool"},
	{"IsRbacAuthorized", "bool"}, {"TlsVersion", "string"}, {"SourceSystem", "string"}, {"Type", "string"},
	{"_ResourceId", "string"}, {"_SubscriptionId", "string"},
}

// AzureActivityColumns are the AzureActivity columns of an Activity record.
var AzureActivityColumns = []Column{
	{"TenantId", "string"}, {"TimeGenerated", "datetime"}, {"OperationNameValue", "string"}, {"Level", "string"},
	{"ActivityStatusValue", "string"}, {"ActivitySubstatusValue", "string"}, {"ResourceGroup", "string"},
	{"SubscriptionId", "string"}, {"CategoryValue", "string"}, {"Caller", "string"}, {"CallerIpAddress", "string"},
	{"CorrelationId", "string"}, {"Claims", "dynamic"}, {"Authorization", "dynamic"}, {"_ResourceId", "string"},
	{"ResourceProviderValue", "string"}, {"Properties_d", "dynamic"}, {"Type", "string"},
}

// idParts splits an ARM id into subscription, resource group and name.
func idParts(id string) (sub, rg, name string) {
	parts := strings.Split(strings.Trim(id, "/"), "/")
	for i := 0; i+1 < len(parts); i++ {
		switch strings.ToLower(parts[i]) {
		case "subscriptions":
			sub = parts[i+1]
		case "resourcegroups":
			rg = parts[i+1]
		}
	}
	if len(parts) > 0 {
		name = parts[len(parts)-1]
	}
	return sub, rg, name
}

func optBool(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}

func orNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// AzureDiagnosticsRow renders r as an AzureDiagnostics row of a workspace
// in tenantID, keyed by column name.
func AzureDiagnosticsRow(r kvemu.AuditRecord, tenantID string) map[string]any {
	sub, rg, name := idParts(r.ResourceID)
	dur, _ := strconv.ParseInt(r.DurationMs, 10, 64)
	row := map[string]any{
		"TenantId": tenantID, "TimeGenerated": r.Time, "ResourceId": r.ResourceID, "Category": r.Category,
		"ResourceGroup": rg, "SubscriptionId": strings.ToLower(sub), "ResourceProvider": "MICROSOFT.KEYVAULT", "Resource": name,
		"ResourceType": "VAULTS", "OperationName": r.OperationName, "ResultType": r.ResultType, "CorrelationId": r.CorrelationID,
		"ResultSignature": r.ResultSignature, "ResultDescription": r.ResultDescription, "DurationMs": dur,
		"CallerIPAddress": r.CallerIPAddress, "OperationVersion": r.OperationVersion, "id_s": orNil(r.Properties.ID),
		"clientInfo_s": r.Properties.ClientInfo, "httpStatusCode_d": float64(r.Properties.HTTPStatusCode),
		"requestUri_s": r.Properties.RequestURI, "isAccessPolicyMatch_b": optBool(r.Properties.IsAccessPolicyMatch),
		"isRbacAuthorized_b": optBool(r.Properties.IsRbacAuthorized), "tlsVersion_s": orNil(r.Properties.TLSVersion),
		"Type": "AzureDiagnostics", "_ResourceId": strings.ToLower(r.ResourceID),
	}
	if r.Identity != nil {
		for k, v := range r.Identity.Claim {
			switch k {
			case "oid", "appid":
				row["identity_claim_"+k+"_g"] = v
			case "upn", "unique_name", "ipaddr":
				row["identity_claim_"+k+"_s"] = v
			case kvemu.ClaimOIDURI:
				row["identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g"] = v
			case kvemu.ClaimUPNURI:
				row["identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_upn_s"] = v
			}
		}
	}
	return row
}

// AZKVAuditLogsRow renders r as an AZKVAuditLogs row of a workspace in
// tenantID, keyed by column name.
func AZKVAuditLogsRow(r kvemu.AuditRecord, tenantID string) map[string]any {
	sub, _, _ := idParts(r.ResourceID)
	dur, _ := strconv.Atoi(r.DurationMs)
	var identity any
	if r.Identity != nil {
		b, _ := json.Marshal(r.Identity)
		identity = string(b)
	}
	return map[string]any{
		"TenantId": tenantID, "TimeGenerated": r.Time, "OperationName": r.OperationName, "OperationVersion": r.OperationVersion,
		"ResultType": r.ResultType, "ResultSignature": r.ResultSignature, "ResultDescription": r.ResultDescription,
		"DurationMs": dur, "CallerIpAddress": r.CallerIPAddress, "CorrelationId": r.CorrelationID, "Identity": identity,
		"HttpStatusCode": r.Properties.HTTPStatusCode, "RequestUri": r.Properties.RequestURI, "Id": orNil(r.Properties.ID),
		"ClientInfo": r.Properties.ClientInfo, "IsAccessPolicyMatch": optBool(r.Properties.IsAccessPolicyMatch),
		"IsRbacAuthorized": optBool(r.Properties.IsRbacAuthorized), "TlsVersion": orNil(r.Properties.TLSVersion),
		"SourceSystem": "Azure", "Type": "AZKVAuditLogs", "_ResourceId": strings.ToLower(r.ResourceID),
		"_SubscriptionId": strings.ToLower(sub),
	}
}

// AzureActivityRow renders an Activity record as an AzureActivity row.
func AzureActivityRow(r kvemu.ActivityRecord) map[string]any {
	sub, rg, _ := idParts(r.Identity.Authorization.Scope)
	claims, _ := json.Marshal(r.Identity.Claims)
	props, _ := json.Marshal(kvemu.ActivityPropertiesMap(r.Properties))
	authz, _ := json.Marshal(r.Identity.Authorization)
	status := map[string]string{"Start": "Start", "Success": "Success", "Failure": "Failure"}[r.ResultType]
	caller := r.Identity.Claims[kvemu.ClaimUPNURI]
	if caller == "" {
		caller = r.Identity.Claims[kvemu.ClaimOIDURI]
	}
	provider := ""
	if i := strings.IndexByte(r.OperationName, '/'); i > 0 {
		provider = r.OperationName[:i]
	}
	return map[string]any{
		"TenantId": r.TenantID, "TimeGenerated": r.Time, "OperationNameValue": r.OperationName, "Level": r.Level,
		"ActivityStatusValue": status, "ActivitySubstatusValue": r.Properties.StatusCode, "ResourceGroup": rg,
		"SubscriptionId": sub, "CategoryValue": r.Category, "Caller": caller, "CallerIpAddress": r.CallerIPAddress,
		"CorrelationId": r.CorrelationID, "Claims": string(claims), "Authorization": string(authz),
		"_ResourceId": strings.ToLower(r.Identity.Authorization.Scope), "ResourceProviderValue": provider,
		"Properties_d": string(props), "Type": "AzureActivity",
	}
}
