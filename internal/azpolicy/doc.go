// Package azpolicy renders the Azure Policy side of honeyvault's
// governance as one deployable ARM template: the original Deception
// solution's KVReview tag policy (modify) and review policy (audit, its
// remediation text linking honeyvault's coverage page), a
// deployIfNotExists policy that gives every Key Vault a diagnostic setting
// streaming AuditEvent where honeyvault reads it, and the initiative
// grouping them in the Deception category.
//
// The template is deployed at subscription scope (az deployment sub
// create): the definitions land in that subscription, to be assigned there
// or below. Pure generation: no Azure call.
package azpolicy
