package kvemu

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// DiagnosticSetting is a Microsoft.Insights diagnostic setting: which log
// categories of a resource go to which destinations. On a vault it routes
// AuditEvent records; on a subscription it routes Activity-log records
// (category "Administrative").
type DiagnosticSetting struct {
	Name                        string
	StorageAccountID            string // a storage account's ARM id
	EventHubAuthorizationRuleID string // an Event Hubs namespace authorization rule id
	EventHubName                string // the hub; empty means one per category
	WorkspaceID                 string // a Log Analytics workspace's ARM id
	MarketplacePartnerID        string
	LogAnalyticsDestinationType string // "Dedicated" (resource-specific tables) or "" (AzureDiagnostics)
	Logs                        []LogSettings
	Metrics                     []MetricSettings
}

// LogSettings enables or disables one log category or category group
// ("audit", "allLogs").
type LogSettings struct {
	Category      string
	CategoryGroup string
	Enabled       bool
}

// MetricSettings enables or disables one metric category ("AllMetrics").
type MetricSettings struct {
	Category string
	Enabled  bool
}

var diagNameRE = regexp.MustCompile(`^[^<>*%&:\\?+/]{1,260}$`)

// validate checks what Azure checks: a name, at least one destination and
// at least one category.
func (d DiagnosticSetting) validate() error {
	if !diagNameRE.MatchString(d.Name) {
		return fmt.Errorf("invalid diagnostic setting name %q", d.Name)
	}
	if d.StorageAccountID == "" && d.EventHubAuthorizationRuleID == "" && d.WorkspaceID == "" && d.MarketplacePartnerID == "" {
		return errors.New("a diagnostic setting needs at least one destination (storage account, event hub or workspace)")
	}
	if len(d.Logs) == 0 && len(d.Metrics) == 0 {
		return errors.New("a diagnostic setting needs at least one log or metric category")
	}
	for _, l := range d.Logs {
		if (l.Category == "") == (l.CategoryGroup == "") {
			return errors.New("each log setting names exactly one of category or categoryGroup")
		}
	}
	return nil
}

// enables reports whether d sends records of category.
func (d DiagnosticSetting) enables(category string) bool {
	for _, l := range d.Logs {
		if !l.Enabled {
			continue
		}
		if strings.EqualFold(l.Category, category) {
			return true
		}
		g := strings.ToLower(l.CategoryGroup)
		if g == "alllogs" || (g == "audit" && category == CategoryAuditEvent) {
			return true
		}
	}
	return false
}

// destinations lists the ids records of d go to.
func (d DiagnosticSetting) targets() []target {
	var ts []target
	for _, id := range []string{d.StorageAccountID, d.MarketplacePartnerID} {
		if id != "" {
			ts = append(ts, target{destinationID: id})
		}
	}
	if d.WorkspaceID != "" {
		ts = append(ts, target{destinationID: d.WorkspaceID, dedicated: strings.EqualFold(d.LogAnalyticsDestinationType, "Dedicated")})
	}
	if d.EventHubAuthorizationRuleID != "" {
		ts = append(ts, target{destinationID: d.EventHubAuthorizationRuleID, eventHub: d.EventHubName})
	}
	return ts
}

func cloneDiag(d *DiagnosticSetting) DiagnosticSetting {
	c := *d
	c.Logs = slices.Clone(d.Logs)
	c.Metrics = slices.Clone(d.Metrics)
	return c
}

// auditTargets lists the destinations of every setting that enables
// category. The caller holds the lock guarding diag.
func auditTargets(diag map[string]*DiagnosticSetting, category string) []target {
	var ts []target
	for _, d := range diag {
		if d.enables(category) {
			ts = append(ts, d.targets()...)
		}
	}
	return ts
}

func sortedDiag(diag map[string]*DiagnosticSetting) []DiagnosticSetting {
	out := make([]DiagnosticSetting, 0, len(diag))
	for _, d := range diag {
		out = append(out, cloneDiag(d))
	}
	slices.SortFunc(out, func(a, b DiagnosticSetting) int {
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	return out
}

// SetDiagnosticSetting creates or replaces a diagnostic setting on a vault,
// without an Activity-log record (use ARM for that).
func (e *Emulator) SetDiagnosticSetting(vaultName string, d DiagnosticSetting) error {
	if err := d.validate(); err != nil {
		return fmt.Errorf("kvemu: %w", err)
	}
	v, err := e.vaultNamed(vaultName)
	if err != nil {
		return err
	}
	c := cloneDiag(&d)
	v.mu.Lock()
	v.diag[strings.ToLower(d.Name)] = &c
	v.mu.Unlock()
	return nil
}

// SetSubscriptionDiagnosticSetting creates or replaces a subscription-level
// diagnostic setting, which routes the Activity log (category
// "Administrative", or categoryGroup "allLogs").
func (e *Emulator) SetSubscriptionDiagnosticSetting(subscriptionID string, d DiagnosticSetting) error {
	if err := d.validate(); err != nil {
		return fmt.Errorf("kvemu: %w", err)
	}
	c := cloneDiag(&d)
	e.mu.Lock()
	defer e.mu.Unlock()
	sub := e.subs[strings.ToLower(subscriptionID)]
	if sub == nil {
		return fmt.Errorf("kvemu: no subscription %q", subscriptionID)
	}
	sub.diag[strings.ToLower(d.Name)] = &c
	return nil
}
