package registry

import "strings"

// HeartbeatPrefix starts the name of every secret honeyvault's heartbeat
// asks a vault for (internal/health): a name that does not exist, followed
// by a nonce. No decoy may carry it, so that a heartbeat's audit record can
// never be taken for a decoy access and a decoy can never be taken for a
// heartbeat.
const HeartbeatPrefix = "honeyvault-heartbeat-"

// IsHeartbeatName reports whether an object name is in the heartbeat's
// reserved space (Key Vault names are case-insensitive, so is this).
func IsHeartbeatName(name string) bool {
	return len(name) >= len(HeartbeatPrefix) && strings.EqualFold(name[:len(HeartbeatPrefix)], HeartbeatPrefix)
}
