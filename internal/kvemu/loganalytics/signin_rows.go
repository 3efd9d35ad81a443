package loganalytics

import (
	"encoding/json"
	"strings"

	"github.com/honeyvault/honeyvault/internal/kvemu"
)

// AADServicePrincipalSignInLogsColumns are the AADServicePrincipalSignInLogs
// columns the emulator fills from a ServicePrincipalSignInLogs record
// (names from Azure Monitor's table reference).
var AADServicePrincipalSignInLogsColumns = []Column{
	{"TenantId", "string"}, {"TimeGenerated", "datetime"}, {"OperationName", "string"}, {"OperationVersion", "string"},
	{"Category", "string"}, {"ResultType", "string"}, {"ResultSignature", "string"}, {"ResultDescription", "string"},
	{"CorrelationId", "string"}, {"Id", "string"}, {"AppId", "string"}, {"ServicePrincipalId", "string"},
	{"IPAddress", "string"}, {"ResourceDisplayName", "string"}, {"Status", "dynamic"}, {"Type", "string"},
}

// AADServicePrincipalSignInLogsRow is the table row of sign-in record r.
func AADServicePrincipalSignInLogsRow(r kvemu.SignInRecord) map[string]any {
	status, _ := json.Marshal(r.Properties.Status)
	return map[string]any{
		"TenantId": strings.ToLower(r.TenantID), "TimeGenerated": r.Time, "OperationName": r.OperationName,
		"OperationVersion": r.OperationVersion, "Category": r.Category, "ResultType": r.ResultType,
		"ResultSignature": r.ResultSignature, "ResultDescription": r.ResultDescription, "CorrelationId": r.CorrelationID,
		"Id": r.Properties.ID, "AppId": r.Properties.AppID, "ServicePrincipalId": r.Properties.ServicePrincipalID,
		"IPAddress": r.Properties.IPAddress, "ResourceDisplayName": r.Properties.ResourceDisplayName,
		"Status": string(status), "Type": "AADServicePrincipalSignInLogs",
	}
}
