package api

import "time"

// ChannelTest is the answer of POST /api/v1/notify/channels/{name}/test:
// whether the test message went through, and if not, why.
type ChannelTest struct {
	Channel string `json:"channel"`
	Type    string `json:"type"`
	OK      bool   `json:"ok"`
	Error   string `json:"error,omitempty"` // the channel's error in words; never its secret
}

// AllowRule is an allow rule: accesses to decoys by Identity (with one of
// Operations, in VaultID) raise no incident until ExpiresAt.
type AllowRule struct {
	ID         int64      `json:"id,omitempty"` // 0 for a rule of the config file
	Source     string     `json:"source"`       // "config" (read-only) or "stored"
	Identity   string     `json:"identity"`
	Operations []string   `json:"operations"`         // empty: any operation
	VaultID    string     `json:"vault_id,omitempty"` // empty: any vault
	Note       string     `json:"note,omitempty"`
	CreatedBy  string     `json:"created_by,omitempty"`
	CreatedAt  *time.Time `json:"created_at,omitempty"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"` // absent: never
}

// AllowRuleList is GET /api/v1/allow-rules: the config file's rules, then
// the stored ones. The rules planting stores for its own operations, one
// per decoy, are only counted.
type AllowRuleList struct {
	Rules         []AllowRule `json:"rules"`
	PlantingRules int         `json:"planting_rules"`
}

// CreateAllowRuleRequest is the body of POST /api/v1/allow-rules.
type CreateAllowRuleRequest struct {
	Identity   string   `json:"identity"`             // object id, app id or UPN; required
	Operations []string `json:"operations,omitempty"` // operation names (SecretGet) or classes (read); empty: any
	VaultID    string   `json:"vault_id,omitempty"`   // a vault's resource id; empty: any vault
	Note       string   `json:"note,omitempty"`       // why the rule exists
	Expires    string   `json:"expires,omitempty"`    // never (default), 90d, 2027-01-31 or an RFC 3339 time
}
