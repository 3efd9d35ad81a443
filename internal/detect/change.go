package detect

import (
	"encoding/json"
	"strings"

	"github.com/honeyvault/honeyvault/internal/auditpath"
)

// settingBody is the part of a diagnostic setting's JSON the rules read.
// Azure sends {"properties": {...}}; a bare properties object is read too.
type settingBody struct {
	Properties *settingProps `json:"properties"`
	settingProps
}

type settingProps struct {
	Logs                        *[]logSetting `json:"logs"`
	StorageAccountID            string        `json:"storageAccountId"`
	EventHubAuthorizationRuleID string        `json:"eventHubAuthorizationRuleId"`
	EventHubName                string        `json:"eventHubName"`
	WorkspaceID                 string        `json:"workspaceId"`
	MarketplacePartnerID        string        `json:"marketplacePartnerId"`
}

type logSetting struct {
	Category      string `json:"category"`
	CategoryGroup string `json:"categoryGroup"`
	Enabled       bool   `json:"enabled"`
}

// settingOf reads the new state of a diagnostic setting from an Activity
// record's request or response body. known is false when body says
// nothing of the setting's logs (empty, not JSON, no logs list).
func settingOf(body string) (s auditpath.Setting, known bool) {
	if strings.TrimSpace(body) == "" {
		return s, false
	}
	var b settingBody
	if err := json.Unmarshal([]byte(body), &b); err != nil {
		return s, false
	}
	p := &b.settingProps
	if b.Properties != nil {
		p = b.Properties
	}
	if p.Logs == nil {
		return s, false
	}
	s = auditpath.Setting{StorageAccountID: p.StorageAccountID, EventHubAuthorizationRuleID: p.EventHubAuthorizationRuleID,
		EventHubName: p.EventHubName, WorkspaceID: p.WorkspaceID, MarketplacePartnerID: p.MarketplacePartnerID}
	for _, l := range *p.Logs {
		s.Logs = append(s.Logs, auditpath.Log{Category: l.Category, CategoryGroup: l.CategoryGroup, Enabled: l.Enabled})
	}
	return s, true
}

// SendsAuditEvent judges the new state of a diagnostic setting (an Activity
// record's request or response body): sends is whether it still sends Key Vault's AuditEvent
// — the category itself or the "audit" or "allLogs" group enabled, to at
// least one destination. known is false when body says nothing of the
// setting's logs (empty, not JSON, no logs list): the record does not tell,
// and the rule then alerts as "changed, check it".
func SendsAuditEvent(body string) (sends, known bool) {
	s, known := settingOf(body)
	return known && s.SendsAuditEvent(), known
}

// vaultWriteClass judges a vault's write (PUT or PATCH) by its new state: a
// body with access policies is an access-policy change, one with network
// rules a network change, one with neither (tags, SKU, soft-delete
// settings) no tamper at all; without a body the record does not tell and
// the change is reported as such.
func vaultWriteClass(body string) Class {
	if strings.TrimSpace(body) == "" {
		return ClassVaultChanged
	}
	var b struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal([]byte(body), &b); err != nil || b.Properties == nil {
		return ClassVaultChanged
	}
	has := func(name string) bool {
		for k := range b.Properties {
			if strings.EqualFold(k, name) {
				return true
			}
		}
		return false
	}
	switch {
	case has("accessPolicies"):
		return ClassAccessPolicy
	case has("networkAcls"), has("publicNetworkAccess"):
		return ClassNetworkRules
	}
	return ""
}
