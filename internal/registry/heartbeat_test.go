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

// A watchlist row naming a heartbeat-shaped secret is refused with its
// line, and the rest of the file still read (ReadWatchlistRows).
func TestWatchlistRefusesHeartbeatName(t *testing.T) {
	csv := "ResourceProvider,ResourceId,HoneyToken,Properties\n" +
		row("orders-db-password", `{"Type":"secret"}`) + "\n" +
		row("Honeyvault-Heartbeat-0123456789abcdef0123456789abcdef", `{"Type":"secret"}`) + "\n"
	decoys, invalid, err := ReadWatchlistRows(strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	if len(decoys) != 1 || decoys[0].Name != "orders-db-password" {
		t.Errorf("decoys read: %+v; want the other row alone", decoys)
	}
	if len(invalid) != 1 || !strings.Contains(invalid[0].Error(), "reserved for honeyvault's heartbeat") || invalid[0].Line != 3 {
		t.Errorf("invalid rows: %v; want line 3's reserved name", invalid)
	}
}
