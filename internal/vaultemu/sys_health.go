package vaultemu

import (
	"encoding/json"
	"net/http"
)

// emulatedVersion is the Vault version the emulator reports.
const emulatedVersion = "1.21.0"

// servePublic answers the endpoints Vault serves without a token and
// without audit entries (sys/health, sys/seal-status), which the CLI's
// `vault status` and load balancers call; false for every other path.
func (s *Server) servePublic(w http.ResponseWriter, r *http.Request, path string) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	var body map[string]any
	switch path {
	case "sys/health":
		body = map[string]any{
			"initialized": true, "sealed": false, "standby": false, "performance_standby": false,
			"replication_performance_mode": "disabled", "replication_dr_mode": "disabled",
			"server_time_utc": s.Now().Unix(), "version": emulatedVersion, "cluster_name": s.opts.ClusterName,
		}
	case "sys/seal-status":
		body = map[string]any{
			"type": "shamir", "initialized": true, "sealed": false, "t": 1, "n": 1, "progress": 0, "nonce": "",
			"version": emulatedVersion, "migration": false, "recovery_seal": false, "storage_type": "inmem",
		}
	default:
		return false
	}
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(append(b, '\n'))
	return true
}
