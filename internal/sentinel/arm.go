package sentinel

import (
	"bytes"
	"encoding/json"
	"time"
)

// Schemas of ARM deployment templates.
const (
	resourceGroupSchema = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
	// securityInsightsAPI is the Microsoft.SecurityInsights API version of
	// the rules and the watchlist (stable, knows NRT rules).
	securityInsightsAPI = "2023-02-01"
)

// workspaceParameter is the one parameter the Sentinel templates take.
var workspaceParameter = map[string]any{
	"workspace": map[string]any{
		"type":     "string",
		"metadata": map[string]any{"description": "Name of the Log Analytics workspace Microsoft Sentinel runs on"},
	},
}

// sentinelName is the ARM name of a Microsoft.SecurityInsights resource
// under the workspace.
func sentinelName(id string) string {
	return "[concat(parameters('workspace'), '/Microsoft.SecurityInsights/" + id + "')]"
}

// template renders a resource-group deployment template.
func template(resources []any) ([]byte, error) {
	return marshal(map[string]any{
		"$schema":        resourceGroupSchema,
		"contentVersion": "1.0.0.0",
		"parameters":     workspaceParameter,
		"resources":      resources,
	})
}

// marshal is indented JSON with a final newline and without HTML escaping
// (KQL has < and &).
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// RulesTemplate renders the rules as one ARM template deploying them into
// a Sentinel workspace (parameter "workspace").
func RulesTemplate(o Options) ([]byte, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	o = o.withDefaults()
	var resources []any
	for _, r := range Rules(o) {
		resources = append(resources, ruleResource(r, o))
	}
	return template(resources)
}

func ruleResource(r Rule, o Options) map[string]any {
	props := map[string]any{
		"displayName":         r.DisplayName,
		"description":         r.Description,
		"severity":            r.Severity,
		"enabled":             true,
		"query":               r.Query,
		"tactics":             []string{"CredentialAccess", "Discovery"},
		"suppressionEnabled":  false,
		"suppressionDuration": isoDuration(5 * time.Hour),
		"entityMappings":      entityMappings(r.Activity),
		"incidentConfiguration": map[string]any{
			"createIncident": true,
			// One incident per vault for 5 hours, as the original grouped them.
			"groupingConfiguration": map[string]any{
				"enabled":              true,
				"reopenClosedIncident": false,
				"lookbackDuration":     isoDuration(5 * time.Hour),
				"matchingMethod":       "Selected",
				"groupByEntities":      []string{"AzureResource"},
			},
		},
		"eventGroupingSettings": map[string]any{"aggregationKind": "AlertPerResult"},
		"customDetails":         customDetails(r.Activity),
	}
	if r.Kind == KindScheduled {
		props["queryFrequency"] = isoDuration(o.Frequency)
		props["queryPeriod"] = isoDuration(o.Lookback)
		props["triggerOperator"] = "GreaterThan"
		props["triggerThreshold"] = 0
	}
	return map[string]any{
		"type":       "Microsoft.OperationalInsights/workspaces/providers/alertRules",
		"apiVersion": securityInsightsAPI,
		"name":       sentinelName(ruleID(r.Key)),
		"kind":       r.Kind,
		"properties": props,
	}
}

func entityMappings(activity bool) []any {
	field := func(id, col string) map[string]any { return map[string]any{"identifier": id, "columnName": col} }
	resource := map[string]any{"entityType": "AzureResource", "fieldMappings": []any{field("ResourceId", "VaultResourceId")}}
	if activity {
		return []any{
			map[string]any{"entityType": "Account", "fieldMappings": []any{field("FullName", "Caller")}},
			map[string]any{"entityType": "IP", "fieldMappings": []any{field("Address", "CallerIpAddress")}},
			resource,
		}
	}
	return []any{
		map[string]any{"entityType": "Account", "fieldMappings": []any{field("AadUserId", "CallerObjectId"), field("FullName", "CallerUpn")}},
		map[string]any{"entityType": "IP", "fieldMappings": []any{field("Address", "CallerIpAddress")}},
		resource,
	}
}

func customDetails(activity bool) map[string]string {
	if activity {
		return map[string]string{"Operations": "Operations", "Statuses": "Statuses"}
	}
	return map[string]string{"HoneyToken": "HoneyToken", "DecoyType": "DecoyType", "Operations": "Operations",
		"HttpStatusCodes": "HttpStatusCodes", "Accesses": "Accesses"}
}
