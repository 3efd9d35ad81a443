package lab

import (
	"testing"

	"github.com/honeyvault/honeyvault/internal/registry"
)

// coverVault prefers a decoy vault no earlier step used, readable ones
// first, then one the original's test left alone, and never a vault
// without decoys.
func TestCoverVault(t *testing.T) {
	decoys := []stateDecoy{{Name: "d", Type: registry.Secret}}
	var (
		pay      = stateVault{Name: "kv-pay", Decoys: decoys}
		orders   = stateVault{Name: "kv-orders", Decoys: decoys}
		batch    = stateVault{Name: "kv-batch", Decoys: decoys}
		data     = stateVault{Name: "kv-data", Decoys: decoys}
		identity = stateVault{Name: "kv-identity", Decoys: decoys, OutsidersDenied: true}
		newcomer = stateVault{Name: "kv-new"}
	)
	original := []target{{vault: pay}, {vault: orders}}
	tests := []struct {
		name   string
		vaults []stateVault
		used   []string
		want   string // "" for none
	}{
		{"an untouched readable vault", []stateVault{pay, identity, orders, batch, data}, []string{"kv-batch", "kv-identity"}, "kv-data"},
		{"an untouched denied vault before a used readable one", []stateVault{pay, batch, identity, orders}, []string{"kv-batch"}, "kv-identity"},
		{"a used readable vault before a used denied one", []stateVault{pay, identity, orders, batch}, []string{"kv-batch", "kv-identity"}, "kv-batch"},
		{"the selftest's: no step but the original's", []stateVault{pay, identity, orders, newcomer}, nil, "kv-identity"},
		{"the original's vault when it is all there is", []stateVault{pay, newcomer}, []string{"kv-pay"}, "kv-pay"},
		{"no vault with decoys", []stateVault{newcomer}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, ok := coverVault(tt.vaults, original, tt.used)
			if got := v.Name; got != tt.want || ok != (tt.want != "") {
				t.Errorf("got %q, %v; want %q", got, ok, tt.want)
			}
		})
	}
}
