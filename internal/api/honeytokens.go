package api

import "time"

// Honeytoken is a decoy as GET /api/v1/honeytokens shows it.
type Honeytoken struct {
	ID      int64  `json:"id"`
	VaultID string `json:"vault_id"`
	Vault   string `json:"vault"`
	// Provider is the kind of store the decoy lives in: azure-keyvault,
	// hashicorp-vault or aws-secretsmanager (README "Providers").
	Provider  string    `json:"provider"`
	Name      string    `json:"name"`
	Type      string    `json:"type"`
	Status    string    `json:"status"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	Memo      string    `json:"memo,omitempty"`
	// Canary is the kind of tripwire the decoy's newest value carries
	// (http, dns, postgres or entra; README "Canary values"), absent when its
	// value is plain. Never the token: it is as sensitive as the name.
	Canary string `json:"canary,omitempty"`
}

// HoneytokenList is GET /api/v1/honeytokens.
type HoneytokenList struct {
	Honeytokens []Honeytoken `json:"honeytokens"`
	NextAfter   int64        `json:"next_after,omitempty"`
}
