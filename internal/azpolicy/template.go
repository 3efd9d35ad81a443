package azpolicy

import (
	"bytes"
	"encoding/json"
)

const (
	subscriptionSchema = "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#"
	policyAPI          = "2021-06-01"
	// Category is the initiative's (and each definition's) category.
	Category = "Deception"
)

// Definition names: stable, so that deploying a new export updates them.
const (
	TagPolicyName         = "honeyvault-kvreview-tag"
	ReviewPolicyName      = "honeyvault-kvreview-audit"
	DiagnosticsPolicyName = "honeyvault-keyvault-auditevent"
	InitiativeName        = "honeyvault-honeytokens"
)

// Built-in role definitions the policies' managed identities need for
// remediation.
const (
	roleTagContributor        = "4a9ae827-6dc8-4573-8ac7-8239d42aa03f" // tags on the vault (modify)
	roleMonitoringContributor = "749f88d5-cbae-40b8-bcfc-e573ddc772fa" // write the diagnostic setting
	roleLogAnalyticsContrib   = "92aaf0da-9dab-42b6-94a3-d43ce8d16293" // a workspace as destination
	roleEventHubsDataOwner    = "f526a384-b230-433a-b45c-95f59c4a2dec" // an Event Hubs authorization rule as destination
	roleStorageAccountContrib = "17d1049b-9a84-46fb-8f53-869881c3d3ab" // a storage account as destination
)

func roleIDs(ids ...string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = "/providers/Microsoft.Authorization/roleDefinitions/" + id
	}
	return out
}

// Template renders the policy definitions and the initiative as one ARM
// template at subscription scope. Expressions the policy engine evaluates
// (its parameters, field()) are escaped with "[[" so that the deployment
// leaves them alone.
func Template(o Options) ([]byte, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	o = o.withDefaults()
	resources := []any{tagPolicy(o), reviewPolicy(o), diagnosticsPolicy(), initiative(o)}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	err := enc.Encode(map[string]any{
		"$schema":        subscriptionSchema,
		"contentVersion": "1.0.0.0",
		"parameters":     map[string]any{},
		"resources":      resources,
		"outputs": map[string]any{
			"initiativeId": map[string]any{
				"type":  "string",
				"value": "[subscriptionResourceId('Microsoft.Authorization/policySetDefinitions', '" + InitiativeName + "')]",
			},
		},
	})
	return b.Bytes(), err
}

func definition(name string, props map[string]any) map[string]any {
	props["policyType"] = "Custom"
	return map[string]any{
		"type":       "Microsoft.Authorization/policyDefinitions",
		"apiVersion": policyAPI,
		"name":       name,
		"properties": props,
	}
}

func stringParam(def, description string) map[string]any {
	return map[string]any{"type": "String", "defaultValue": def, "metadata": map[string]any{"displayName": description, "description": description}}
}

// tagField is the policy engine's field of the tag named by its parameter.
const tagField = "[[concat('tags[', parameters('tagName'), ']')]"

func vaultCondition(more ...map[string]any) map[string]any {
	all := []any{map[string]any{"field": "type", "equals": "Microsoft.KeyVault/vaults"}}
	for _, m := range more {
		all = append(all, m)
	}
	return map[string]any{"allOf": all}
}

// tagPolicy is the original's KVReviewTag: add the review-needed tag to
// every vault lacking the tag.
func tagPolicy(o Options) map[string]any {
	return definition(TagPolicyName, map[string]any{
		"displayName": o.TagName + "Tag: tag Key Vaults for a decoy review", // KVReviewTag, as the original, by default
		"description": "Adds the tag " + o.TagName + "=" + o.ReviewNeeded + " to every Key Vault that lacks the tag, so that its owner reviews its decoy coverage.",
		"mode":        "Indexed",
		"metadata":    map[string]any{"category": Category, "version": "1.0.0"},
		"parameters": map[string]any{
			"tagName":  stringParam(o.TagName, "Tag name"),
			"tagValue": stringParam(o.ReviewNeeded, "Value for vaults to review"),
		},
		"policyRule": map[string]any{
			"if": vaultCondition(map[string]any{"field": tagField, "exists": "false"}),
			"then": map[string]any{
				"effect": "modify",
				"details": map[string]any{
					"roleDefinitionIds": roleIDs(roleTagContributor),
					"operations": []any{map[string]any{
						"operation": "add", "field": tagField, "value": "[[parameters('tagValue')]",
					}},
				},
			},
		},
	})
}

// reviewPolicy is the original's "KeyVault HoneyTokens": audit vaults
// whose tag is not the reviewed value; its remediation links the console.
func reviewPolicy(o Options) map[string]any {
	remediation := "Open " + o.Link + " and check the vault is covered by honeyvault's decoys (deploy them there if not), " +
		"then set the vault's tag " + o.TagName + " to " + o.Reviewed + "."
	return definition(ReviewPolicyName, map[string]any{
		"displayName": "KeyVault HoneyTokens: review decoy coverage of Key Vaults",
		"description": "Key Vaults whose " + o.TagName + " tag is not " + o.Reviewed + " have not had their decoy coverage reviewed. " + remediation,
		"mode":        "Indexed",
		"metadata": map[string]any{
			"category": Category, "version": "1.0.0",
			// What Defender for Cloud shows on a custom recommendation.
			"securityCenter": map[string]any{"RemediationDescription": remediation, "Severity": "Medium"},
		},
		"parameters": map[string]any{
			"tagName":       stringParam(o.TagName, "Tag name"),
			"reviewedValue": stringParam(o.Reviewed, "Value of reviewed vaults"),
			"effect": map[string]any{"type": "String", "defaultValue": "Audit", "allowedValues": []string{"Audit", "Disabled"},
				"metadata": map[string]any{"displayName": "Effect", "description": "Audit or Disabled"}},
		},
		"policyRule": map[string]any{
			"if":   vaultCondition(map[string]any{"field": tagField, "notEquals": "[[parameters('reviewedValue')]"}),
			"then": map[string]any{"effect": "[[parameters('effect')]"},
		},
	})
}
