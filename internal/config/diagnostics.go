package config

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Diagnostics configures serve's diagnostic-settings check: whether each
// vault holding decoys has a diagnostic setting that sends AuditEvent to a
// destination honeyvault reads (the Event Hub, storage account or
// workspace of a configured source, or one of Destinations).
type Diagnostics struct {
	// Interval is how often serve checks, as a duration ("1h"), or "off"
	// for never on a schedule (an admin can still run it:
	// POST /api/v1/diagnostics).
	Interval string `yaml:"interval"`
	// Destinations are ARM ids of destinations honeyvault reads through a
	// path the sources do not show, such as a forwarder posting to the
	// push endpoint: an Event Hubs namespace (…/namespaces/NS, optionally
	// followed by /eventhubs/HUB), a storage account or a Log Analytics
	// workspace.
	Destinations []string `yaml:"destinations"`
}

// DefaultDiagnostics checks hourly.
func DefaultDiagnostics() Diagnostics { return Diagnostics{Interval: "1h"} }

// Every is the check's interval; 0 for off.
func (d Diagnostics) Every() (time.Duration, error) {
	s := strings.TrimSpace(d.Interval)
	if strings.EqualFold(s, "off") {
		return 0, nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q: want a duration such as 1h, or off", d.Interval)
	}
	if v < time.Minute {
		return 0, fmt.Errorf("%q: want at least 1m (or off): every run lists the diagnostic settings of every vault holding decoys", d.Interval)
	}
	return v, nil
}

// destinationTypes are the ARM resource types a destination may be, lower-cased.
var destinationTypes = []string{"/providers/microsoft.eventhub/namespaces/", "/providers/microsoft.storage/storageaccounts/",
	"/providers/microsoft.operationalinsights/workspaces/"}

func (d Diagnostics) validate() error {
	if _, err := d.Every(); err != nil {
		return &Error{Setting: "diagnostics.interval", Err: err}
	}
	for i, id := range d.Destinations {
		if !isDestinationID(id) {
			return &Error{Setting: fmt.Sprintf("diagnostics.destinations[%d]", i),
				Err: fmt.Errorf("%q: want the ARM id of an Event Hubs namespace, a storage account or a Log Analytics workspace (/subscriptions/S/resourceGroups/RG/providers/…)", id)}
		}
	}
	return nil
}

func isDestinationID(id string) bool {
	l := strings.ToLower(strings.TrimSpace(id))
	if !strings.HasPrefix(l, "/subscriptions/") {
		return false
	}
	for _, t := range destinationTypes {
		if i := strings.Index(l, t); i > 0 && len(l) > i+len(t) {
			return true
		}
	}
	return false
}

// validateSourceDestinations checks the optional fields naming a source's
// destination.
func (in *Ingest) validateSourceDestinations() error {
	for i, s := range in.EventHubs {
		ns := strings.TrimSpace(s.Namespace)
		if ns != "" && strings.HasPrefix(ns, "/") && !strings.Contains(strings.ToLower(ns), destinationTypes[0]) {
			return &Error{Setting: fmt.Sprintf("ingest.eventhubs[%d].namespace", i), Err: fmt.Errorf("%q: want the namespace's name or its ARM id", ns)}
		}
	}
	for i, s := range in.LogAnalytics {
		if id := strings.TrimSpace(s.WorkspaceResourceID); id != "" && !strings.Contains(strings.ToLower(id), destinationTypes[2]) {
			return &Error{Setting: fmt.Sprintf("ingest.loganalytics[%d].workspace_resource_id", i),
				Err: errors.New("want the workspace's ARM id (/subscriptions/S/resourceGroups/RG/providers/Microsoft.OperationalInsights/workspaces/NAME)")}
		}
	}
	return nil
}
