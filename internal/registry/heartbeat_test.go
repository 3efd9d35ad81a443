package registry

import (
	"strings"
	"testing"
)

func TestIsHeartbeatName(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{HeartbeatPrefix + "0123456789abcdef0123456789abcdef", true},
		{"HoneyVault-Heartbeat-ABC", true},
		{HeartbeatPrefix, true},
		{"honeyvault-heartbeat", false},
		{"my-honeyvault-heartbeat-x", false},
		{"stripe-api-key", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := IsHeartbeatName(tt.in); got != tt.want {
			t.Errorf("IsHeartbeatName(%q) = %v; want %v", tt.in, got, tt.want)
		}
	}
}

// A decoy can never take a heartbeat's name: the registry refuses it
// whatever its case, so neither planting nor a watchlist import stores one.
func TestDecoyRefusesHeartbeatName(t *testing.T) {
	for _, name := range []string{HeartbeatPrefix + "feed", "HONEYVAULT-HEARTBEAT-feed"} {
		d := Decoy{VaultID: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-one", Name: name, Type: Secret}
		err := d.Validate()
		if err == nil || !strings.Contains(err.Error(), "reserved for honeyvault's heartbeat") {
			t.Errorf("Validate(%q) = %v; want the reserved-name error", name, err)
		}
	}
}
