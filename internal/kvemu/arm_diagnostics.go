package kvemu

import (
	"net/http"
	"strings"
)

// Diagnostic settings are served as Microsoft.Insights extension resources
// (api-version 2021-05-01-preview; any is accepted):
//
//	GET    {vault id}/providers/Microsoft.Insights/diagnosticSettings          list
//	GET    {vault id}/providers/Microsoft.Insights/diagnosticSettings/{name}   get
//	PUT    {vault id}/providers/Microsoft.Insights/diagnosticSettings/{name}   create or update
//	DELETE {vault id}/providers/Microsoft.Insights/diagnosticSettings/{name}   delete
//
// and the same under /subscriptions/{s} for the Activity log. Writes and
// deletes are recorded in the Activity log as
// MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/WRITE and .../DELETE.

type armDiagJSON struct {
	ID         string       `json:"id"`
	Name       string       `json:"name"`
	Type       string       `json:"type"`
	Properties armDiagProps `json:"properties"`
}

type armDiagProps struct {
	StorageAccountID            *string     `json:"storageAccountId"`
	ServiceBusRuleID            *string     `json:"serviceBusRuleId"`
	EventHubAuthorizationRuleID *string     `json:"eventHubAuthorizationRuleId"`
	EventHubName                *string     `json:"eventHubName"`
	WorkspaceID                 *string     `json:"workspaceId"`
	MarketplacePartnerID        *string     `json:"marketplacePartnerId,omitempty"`
	LogAnalyticsDestinationType *string     `json:"logAnalyticsDestinationType"`
	Logs                        []armLog    `json:"logs"`
	Metrics                     []armMetric `json:"metrics"`
}

type armLog struct {
	Category        *string            `json:"category"`
	CategoryGroup   *string            `json:"categoryGroup"`
	Enabled         bool               `json:"enabled"`
	RetentionPolicy armRetentionPolicy `json:"retentionPolicy"`
}

type armMetric struct {
	Category        string             `json:"category"`
	Enabled         bool               `json:"enabled"`
	RetentionPolicy armRetentionPolicy `json:"retentionPolicy"`
}

type armRetentionPolicy struct {
	Enabled bool `json:"enabled"`
	Days    int  `json:"days"`
}

func strOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func diagToJSON(scope string, d DiagnosticSetting) armDiagJSON {
	out := armDiagJSON{
		ID: scope + "/providers/microsoft.insights/diagnosticSettings/" + d.Name, Name: d.Name, Type: "Microsoft.Insights/diagnosticSettings",
		Properties: armDiagProps{
			StorageAccountID: strOrNil(d.StorageAccountID), EventHubAuthorizationRuleID: strOrNil(d.EventHubAuthorizationRuleID),
			EventHubName: strOrNil(d.EventHubName), WorkspaceID: strOrNil(d.WorkspaceID), MarketplacePartnerID: strOrNil(d.MarketplacePartnerID),
			LogAnalyticsDestinationType: strOrNil(d.LogAnalyticsDestinationType), Logs: []armLog{}, Metrics: []armMetric{},
		},
	}
	for _, l := range d.Logs {
		out.Properties.Logs = append(out.Properties.Logs, armLog{Category: strOrNil(l.Category), CategoryGroup: strOrNil(l.CategoryGroup), Enabled: l.Enabled})
	}
	for _, m := range d.Metrics {
		out.Properties.Metrics = append(out.Properties.Metrics, armMetric{Category: m.Category, Enabled: m.Enabled})
	}
	return out
}

func diagFromJSON(name string, in armDiagJSON) DiagnosticSetting {
	deref := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	p := in.Properties
	d := DiagnosticSetting{
		Name: name, StorageAccountID: deref(p.StorageAccountID), EventHubAuthorizationRuleID: deref(p.EventHubAuthorizationRuleID),
		EventHubName: deref(p.EventHubName), WorkspaceID: deref(p.WorkspaceID), MarketplacePartnerID: deref(p.MarketplacePartnerID),
		LogAnalyticsDestinationType: deref(p.LogAnalyticsDestinationType),
	}
	for _, l := range p.Logs {
		d.Logs = append(d.Logs, LogSettings{Category: deref(l.Category), CategoryGroup: deref(l.CategoryGroup), Enabled: l.Enabled})
	}
	for _, m := range p.Metrics {
		d.Metrics = append(d.Metrics, MetricSettings{Category: m.Category, Enabled: m.Enabled})
	}
	return d
}

// diagnosticSettings serves the settings of a vault or a subscription.
func (a *armRequest) diagnosticSettings(scope, rest []string) (int, any, *apiError) {
	if len(scope) < 2 || len(rest) > 1 {
		return 0, nil, &apiError{status: http.StatusNotFound, code: "NotFound", message: "No ARM route for " + a.r.URL.Path}
	}
	sub, aerr := a.subscription(scope[1])
	if aerr != nil {
		return 0, nil, aerr
	}
	var (
		diag    map[string]*DiagnosticSetting
		lock    func()
		unlock  func()
		scopeID string
	)
	switch {
	case len(scope) == 2:
		diag, scopeID = sub.diag, "/subscriptions/"+sub.ID
		lock, unlock = a.e.mu.Lock, a.e.mu.Unlock
	case len(scope) == 8 && strings.EqualFold(scope[2], "resourceGroups") && strings.EqualFold(scope[5], "Microsoft.KeyVault") && strings.EqualFold(scope[6], "vaults"):
		v, aerr := a.vaultIn(sub, scope[3], scope[7])
		if aerr != nil {
			return 0, nil, aerr
		}
		diag, scopeID = v.diag, v.id()
		lock, unlock = v.mu.Lock, v.mu.Unlock
	default:
		return 0, nil, &apiError{status: http.StatusBadRequest, code: "InvalidScope", message: "The emulator serves diagnostic settings of vaults and subscriptions only."}
	}

	if a.r.Method == http.MethodGet && a.diagnosticsUnreadable() {
		return 0, nil, &apiError{status: http.StatusForbidden, code: "AuthorizationFailed",
			message: "The client '" + a.claims.OID + "' with object id '" + a.claims.OID + "' does not have authorization to perform action 'microsoft.insights/diagnosticSettings/read' over scope '" + scopeID + "' or the scope is invalid."}
	}
	if len(rest) == 0 {
		if a.r.Method != http.MethodGet {
			return 0, nil, errMethod(a.r.Method)
		}
		lock()
		out := armValueList[armDiagJSON]{Value: []armDiagJSON{}}
		for _, d := range sortedDiag(diag) {
			out.Value = append(out.Value, diagToJSON(scopeID, d))
		}
		unlock()
		return http.StatusOK, out, nil
	}
	name := rest[0]
	settingID := scopeID + "/providers/microsoft.insights/diagnosticSettings/" + name
	switch a.r.Method {
	case http.MethodGet:
		lock()
		defer unlock()
		d := diag[strings.ToLower(name)]
		if d == nil {
			return 0, nil, armNotFound("DiagnosticSetting", name)
		}
		return http.StatusOK, diagToJSON(scopeID, cloneDiag(d)), nil
	case http.MethodPut:
		var in armDiagJSON
		if aerr := decodeARM(a.body, &in); aerr != nil {
			return 0, nil, aerr
		}
		d := diagFromJSON(name, in)
		if err := d.validate(); err != nil {
			return 0, nil, &apiError{status: http.StatusBadRequest, code: "BadRequest", message: err.Error()}
		}
		lock()
		diag[strings.ToLower(name)] = &d
		out := diagToJSON(scopeID, cloneDiag(&d))
		unlock()
		a.activityOut(sub, settingID, "Microsoft.Insights/diagnosticSettings/write", http.StatusOK, out)
		return http.StatusOK, out, nil
	case http.MethodDelete:
		lock()
		_, ok := diag[strings.ToLower(name)]
		delete(diag, strings.ToLower(name))
		unlock()
		if !ok {
			return http.StatusNoContent, nil, nil
		}
		a.activity(sub, settingID, "Microsoft.Insights/diagnosticSettings/delete", http.StatusOK)
		return http.StatusOK, nil, nil
	}
	return 0, nil, errMethod(a.r.Method)
}
