package azpolicy

// destinationParams are the diagnostic setting's destination, given at
// assignment: an Event Hubs authorization rule id and hub name, a storage
// account id, or a Log Analytics workspace id (empty for the ones unused).
var destinationParams = []struct{ name, field, description string }{
	{"eventHubRuleId", "eventHubAuthorizationRuleId", "Event Hubs namespace authorization rule id (empty if unused)"},
	{"eventHubName", "eventHubName", "Event hub name (empty: one hub per category, insights-logs-auditevent)"},
	{"storageAccountId", "storageAccountId", "Storage account id (empty if unused)"},
	{"workspaceId", "workspaceId", "Log Analytics workspace resource id (empty if unused)"},
}

func diagnosticsParameters() map[string]any {
	p := map[string]any{
		"settingName": stringParam("honeyvault", "Diagnostic setting name"),
		"effect": map[string]any{"type": "String", "defaultValue": "DeployIfNotExists",
			"allowedValues": []string{"DeployIfNotExists", "AuditIfNotExists", "Disabled"},
			"metadata":      map[string]any{"displayName": "Effect", "description": "DeployIfNotExists, AuditIfNotExists or Disabled"}},
	}
	for _, d := range destinationParams {
		p[d.name] = stringParam("", d.description)
	}
	return p
}

// diagnosticsPolicy gives every Key Vault a diagnostic setting streaming
// AuditEvent to the assignment's destination. A vault complies when a
// setting sends AuditEvent (or the audit or allLogs group) to exactly that
// destination; other settings are left alone.
func diagnosticsPolicy() map[string]any {
	sameDestination := []any{}
	for _, d := range destinationParams {
		sameDestination = append(sameDestination, map[string]any{
			"field": "Microsoft.Insights/diagnosticSettings/" + d.field, "equals": "[[parameters('" + d.name + "')]",
		})
	}
	logs := "Microsoft.Insights/diagnosticSettings/logs[*]"
	sendsAudit := map[string]any{
		"count": map[string]any{
			"field": logs,
			"where": map[string]any{"allOf": []any{
				map[string]any{"field": logs + ".enabled", "equals": "true"},
				map[string]any{"anyOf": []any{
					map[string]any{"field": logs + ".category", "equals": "AuditEvent"},
					map[string]any{"field": logs + ".categoryGroup", "in": []string{"audit", "allLogs"}},
				}},
			}},
		},
		"greater": 0,
	}
	innerParams := map[string]any{"vaultName": map[string]any{"type": "string"}, "settingName": map[string]any{"type": "string"}}
	passed := map[string]any{
		"vaultName":   map[string]any{"value": "[[field('name')]"},
		"settingName": map[string]any{"value": "[[parameters('settingName')]"},
	}
	settingProps := map[string]any{
		"logs": []any{map[string]any{"category": "AuditEvent", "enabled": true}},
	}
	for _, d := range destinationParams {
		innerParams[d.name] = map[string]any{"type": "string"}
		passed[d.name] = map[string]any{"value": "[[parameters('" + d.name + "')]"}
		// An empty destination is left out of the setting (null), not sent as "".
		settingProps[d.field] = "[[if(empty(parameters('" + d.name + "')), null(), parameters('" + d.name + "'))]"
	}
	return definition(DiagnosticsPolicyName, map[string]any{
		"displayName": "Key Vaults stream AuditEvent to honeyvault",
		"description": "Gives every Key Vault a diagnostic setting that sends its AuditEvent log to the destination honeyvault reads " +
			"(an event hub, a storage account or a Log Analytics workspace), so that an access to a decoy is seen.",
		"mode":       "Indexed",
		"metadata":   map[string]any{"category": Category, "version": "1.0.0"},
		"parameters": diagnosticsParameters(),
		"policyRule": map[string]any{
			"if": vaultCondition(),
			"then": map[string]any{
				"effect": "[[parameters('effect')]",
				"details": map[string]any{
					"type":               "Microsoft.Insights/diagnosticSettings",
					"name":               "[[parameters('settingName')]",
					"existenceCondition": map[string]any{"allOf": append([]any{sendsAudit}, sameDestination...)},
					"roleDefinitionIds": roleIDs(roleMonitoringContributor, roleLogAnalyticsContrib,
						roleEventHubsDataOwner, roleStorageAccountContrib),
					"deployment": map[string]any{"properties": map[string]any{
						"mode":       "incremental",
						"parameters": passed,
						"template": map[string]any{
							"$schema":        "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
							"contentVersion": "1.0.0.0",
							"parameters":     innerParams,
							"resources": []any{map[string]any{
								"type":       "Microsoft.KeyVault/vaults/providers/diagnosticSettings",
								"apiVersion": "2021-05-01-preview",
								"name":       "[[concat(parameters('vaultName'), '/Microsoft.Insights/', parameters('settingName'))]",
								"properties": settingProps,
							}},
						},
					}},
				},
			},
		},
	})
}

// initiative groups the three definitions in the Deception category; its
// parameters pass through to them.
func initiative(o Options) map[string]any {
	params := diagnosticsParameters()
	delete(params, "effect")
	params["tagName"] = stringParam(o.TagName, "Tag name")
	params["reviewNeededValue"] = stringParam(o.ReviewNeeded, "Value for vaults to review")
	params["reviewedValue"] = stringParam(o.Reviewed, "Value of reviewed vaults")
	pass := func(names ...string) map[string]any {
		m := map[string]any{}
		for i := 0; i < len(names); i += 2 {
			m[names[i]] = map[string]any{"value": "[[parameters('" + names[i+1] + "')]"}
		}
		return m
	}
	diag := pass("settingName", "settingName")
	for _, d := range destinationParams {
		diag[d.name] = map[string]any{"value": "[[parameters('" + d.name + "')]"}
	}
	ref := func(name string, params map[string]any) map[string]any {
		return map[string]any{
			"policyDefinitionReferenceId": name,
			"policyDefinitionId":          "[subscriptionResourceId('Microsoft.Authorization/policyDefinitions', '" + name + "')]",
			"parameters":                  params,
		}
	}
	return map[string]any{
		"type":       "Microsoft.Authorization/policySetDefinitions",
		"apiVersion": policyAPI,
		"name":       InitiativeName,
		"dependsOn": []string{
			"[subscriptionResourceId('Microsoft.Authorization/policyDefinitions', '" + TagPolicyName + "')]",
			"[subscriptionResourceId('Microsoft.Authorization/policyDefinitions', '" + ReviewPolicyName + "')]",
			"[subscriptionResourceId('Microsoft.Authorization/policyDefinitions', '" + DiagnosticsPolicyName + "')]",
		},
		"properties": map[string]any{
			"displayName": "HoneyTokens",
			"description": "Honeyvault's deception coverage: tag Key Vaults for review, audit the unreviewed ones (review at " +
				o.Link + "), and stream every vault's AuditEvent log to honeyvault.",
			"policyType": "Custom",
			"metadata":   map[string]any{"category": Category, "version": "1.0.0"},
			"parameters": params,
			"policyDefinitions": []any{
				ref(TagPolicyName, pass("tagName", "tagName", "tagValue", "reviewNeededValue")),
				ref(ReviewPolicyName, pass("tagName", "tagName", "reviewedValue", "reviewedValue")),
				ref(DiagnosticsPolicyName, diag),
			},
		},
	}
}
