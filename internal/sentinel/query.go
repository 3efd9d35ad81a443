package sentinel

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/detect"
)

// Table names the rules read.
const (
	TableDiagnostics = "AzureDiagnostics"
	TableAudit       = "AZKVAuditLogs"
	TableActivity    = "AzureActivity"
)

// WatchlistAlias is the watchlist's alias, as the original solution named it.
const WatchlistAlias = "HoneyTokens"

// authentication is the operation Key Vault logs for a request it refused
// at sign-in; detect classifies it by the path. The rules cannot, so they
// rank it with the high-severity rule: it names a decoy and was refused.
const authentication = "Authentication"

// alertingClasses are detect's classes that raise alerts and have
// operation names, high or medium by detect's own Severity.
var alertingClasses = []detect.Class{
	detect.ClassRead, detect.ClassCrypto, detect.ClassBackup, detect.ClassRestore, detect.ClassRecover,
	detect.ClassListVersions, detect.ClassGetDeleted, detect.ClassMetadata, detect.ClassWrite,
	detect.ClassUpdate, detect.ClassDelete, detect.ClassPurge,
}

// highOperations are the operations of detect's high classes, plus
// Authentication.
func highOperations() []string {
	ops := []string{authentication}
	for _, c := range alertingClasses {
		if c.Alerts() && c.Severity() == detect.High {
			ops = append(ops, detect.Operations(c)...)
		}
	}
	slices.Sort(ops)
	return ops
}

// quietOperations are the operations that never alert by name (list
// calls) together with the high ones: the medium rule takes every other
// operation, as detect alerts on an operation it does not know.
func quietOperations() []string {
	ops := append(highOperations(), detect.Operations(detect.ClassList)...)
	slices.Sort(ops)
	return ops
}

// classNames names the classes of a severity, for a rule's description.
func classNames(sev detect.Severity) []string {
	var names []string
	for _, c := range alertingClasses {
		if c.Severity() == sev {
			names = append(names, string(c))
		}
	}
	return names
}

// kqlList renders strings as a KQL list literal: ("a", "b").
func kqlList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = strconv.Quote(s)
	}
	return "(" + strings.Join(q, ", ") + ")"
}

// kqlDuration renders d as a KQL timespan literal (5m, 1h, 30s).
func kqlDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return fmt.Sprintf("%ds", d/time.Second)
}

// isoDuration renders d as the ISO 8601 duration ARM wants (PT5M).
func isoDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("PT%dH", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("PT%dM", d/time.Minute)
	}
	return fmt.Sprintf("PT%dS", d/time.Second)
}

// diagnosticsIdentityColumns are AzureDiagnostics' identity columns, both
// claim spellings: an allow-listed identity in any of them is honeyvault's own.
var diagnosticsIdentityColumns = []string{
	"identity_claim_oid_g", "identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g",
	"identity_claim_upn_s", "identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_upn_s",
	"identity_claim_unique_name_s", "identity_claim_appid_g",
}

// ifExists reads an AzureDiagnostics column that a workspace may not
// have: Log Analytics adds a column when a record first fills it, and a
// query naming a column the table lacks fails (one claim spelling may
// never have been logged there).
func ifExists(col string) string { return `column_ifexists("` + col + `", "")` }

func tostringIfExists(col string) string { return "tostring(" + ifExists(col) + ")" }

// filters returns, per table, the leading pipeline of an access rule: the
// ingestion-time window (none for NRT rules, which Sentinel runs on
// ingestion itself), the operations and the allow-list. They are written
// in the part of KQL the Key Vault emulator's workspace runs, and the rule
// query embeds them verbatim, so that tests can run them.
func filters(opCond string, allow []string, window time.Duration) map[string]string {
	win := ""
	if window > 0 {
		win = " | where ingestion_time() > ago(" + kqlDuration(window) + ")"
	}
	diag := TableDiagnostics + win + ` | where ResourceProvider =~ "MICROSOFT.KEYVAULT" and Category == "AuditEvent" | where ` + opCond
	audit := TableAudit + win + " | where " + opCond
	if len(allow) > 0 {
		var conds []string
		for _, col := range diagnosticsIdentityColumns {
			conds = append(conds, ifExists(col)+" !in~ "+kqlList(allow))
		}
		diag += " | where " + strings.Join(conds, " and ")
		// Identity is the claim object, either spelling: an identity
		// anywhere in it is allow-listed.
		// (KQL has no !has_any: not() negates has_any.)
		audit += " | where not(Identity has_any " + kqlList(allow) + ")"
	}
	return map[string]string{TableDiagnostics: diag, TableAudit: audit}
}

// accessQuery is the whole KQL of an access rule around its filters.
func accessQuery(f map[string]string) string {
	return `let HoneyTokens = _GetWatchlist('` + WatchlistAlias + `')
    | extend VaultKey = trim_end(@"/", tolower(tostring(ResourceId))), Name = tolower(tostring(HoneyToken)),
        DecoyType = tolower(tostring(todynamic(Properties).Type))
    | project VaultKey, Name, DecoyType, HoneyToken;
let Diagnostics = ` + f[TableDiagnostics] + `
    | project TimeGenerated, VaultKey = tolower(_ResourceId), OperationName, ResultSignature, ResultDescription,
        HttpStatusCode = toint(httpStatusCode_d), CallerIpAddress = CallerIPAddress, CorrelationId,
        ObjectUri = coalesce(id_s, requestUri_s),
        CallerObjectId = coalesce(` + tostringIfExists("identity_claim_oid_g") + `, ` +
		tostringIfExists("identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g") + `),
        CallerUpn = coalesce(` + tostringIfExists("identity_claim_upn_s") + `, ` +
		tostringIfExists("identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_upn_s") + `, ` +
		tostringIfExists("identity_claim_unique_name_s") + `),
        CallerAppId = ` + tostringIfExists("identity_claim_appid_g") + `, ClientInfo = clientInfo_s, SourceTable = "AzureDiagnostics";
let Audit = ` + f[TableAudit] + `
    | extend Claim = todynamic(Identity).claim
    | project TimeGenerated, VaultKey = tolower(_ResourceId), OperationName, ResultSignature, ResultDescription,
        HttpStatusCode = toint(HttpStatusCode), CallerIpAddress, CorrelationId,
        ObjectUri = coalesce(Id, RequestUri),
        CallerObjectId = coalesce(tostring(Claim.oid), tostring(Claim["http://schemas.microsoft.com/identity/claims/objectidentifier"])),
        CallerUpn = coalesce(tostring(Claim.upn), tostring(Claim["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"]), tostring(Claim.unique_name)),
        CallerAppId = tostring(Claim.appid), ClientInfo, SourceTable = "AZKVAuditLogs";
union Diagnostics, Audit
// The SDK's tokenless handshake (401, no identity, AKV10000) precedes every real request: not an attack.
| where not(HttpStatusCode == 401 and ResultDescription has "AKV10000" and isempty(CallerObjectId) and isempty(CallerUpn) and isempty(CallerAppId))
| extend Segments = split(trim(@"/", tolower(url_decode(tostring(parse_url(ObjectUri).Path)))), "/")
| extend Collection = tostring(Segments[0]), Name = tostring(Segments[1])
| extend ObjectType = case(Collection in ("secrets", "deletedsecrets"), "secret",
    Collection in ("keys", "deletedkeys"), "key",
    Collection in ("certificates", "deletedcertificates"), "certificate", "")
| where isnotempty(Name)
| join kind=inner HoneyTokens on VaultKey, Name
| where ObjectType == DecoyType or (DecoyType == "certificate" and ObjectType in ("key", "secret"))
| summarize StartTime = min(TimeGenerated), EndTime = max(TimeGenerated), Operations = make_set(OperationName),
    HttpStatusCodes = make_set(HttpStatusCode), CorrelationIds = make_set(CorrelationId), Tables = make_set(SourceTable),
    Accesses = count()
    by VaultResourceId = VaultKey, HoneyToken, DecoyType, CallerObjectId, CallerUpn, CallerAppId, CallerIpAddress`
}

// activityFilter is the leading pipeline of the diagnostic-settings rule,
// in the emulator's subset like filters.
func activityFilter(allow []string, window time.Duration) string {
	f := TableActivity + " | where ingestion_time() > ago(" + kqlDuration(window) + ")" +
		" | where OperationNameValue in~ " + kqlList([]string{detect.OpDiagnosticSettingsDelete, detect.OpDiagnosticSettingsWrite})
	if len(allow) > 0 {
		// Caller is one identity (the UPN, else the object id): the
		// token's claims hold the others, such as an allow-listed object
		// id of a caller that also has a UPN.
		f += " | where Caller !in~ " + kqlList(allow) + " and not(tostring(Claims) has_any " + kqlList(allow) + ")"
	}
	return f
}

// activityQuery is the diagnostic-settings rule: as detect's tamper rule,
// a deletion alerts whether it succeeded or was refused (an attempt to cut
// the audit path), a write only when it succeeded.
func activityQuery(filter string) string {
	return `let HoneyVaults = _GetWatchlist('` + WatchlistAlias + `')
    | project VaultKey = trim_end(@"/", tolower(tostring(ResourceId)))
    | distinct VaultKey;
` + filter + `
| where (OperationNameValue =~ "` + detect.OpDiagnosticSettingsDelete + `" and ActivityStatusValue in~ ("Success", "Succeeded", "Failure", "Failed"))
    or (OperationNameValue =~ "` + detect.OpDiagnosticSettingsWrite + `" and ActivityStatusValue in~ ("Success", "Succeeded"))
| extend VaultKey = tostring(split(tolower(_ResourceId), "/providers/microsoft.insights/")[0])
| where VaultKey in (HoneyVaults)
| summarize StartTime = min(TimeGenerated), EndTime = max(TimeGenerated), Operations = make_set(OperationNameValue),
    Statuses = make_set(ActivityStatusValue), CorrelationIds = make_set(CorrelationId)
    by VaultResourceId = VaultKey, Caller, CallerIpAddress`
}
