package health

import (
	"context"
	"strings"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// Recognize marks, in the ingest transaction tx, the heartbeats whose
// records are among fresh as come back, and returns fresh without those
// records, for detection to match. Only a record naming a nonce honeyvault
// sent to the very vault the record comes from is taken out: any other
// heartbeat-shaped name stays in and goes through detection like every
// record (it raises nothing: no decoy may carry such a name). fresh is
// not modified.
func Recognize(ctx context.Context, tx *store.Tx, fresh []store.Fresh) ([]store.Fresh, error) {
	var kept []store.Fresh
	for i, f := range fresh {
		nonce, ok := nonceOf(f.Event)
		if ok {
			known, err := tx.MarkHeartbeatSeen(ctx, f.Event.VaultName, nonce, tx.Now())
			if err != nil {
				return nil, err
			}
			ok = known
		}
		switch {
		case ok && kept == nil:
			kept = append(make([]store.Fresh, 0, len(fresh)-1), fresh[:i]...)
		case !ok && kept != nil:
			kept = append(kept, f)
		}
	}
	if kept == nil {
		return fresh, nil // the common case: no heartbeat, no copy
	}
	return kept, nil
}

// nonceOf is the nonce of a Key Vault record naming a heartbeat secret.
func nonceOf(ev *auditlog.Event) (string, bool) {
	if ev == nil || ev.Kind != auditlog.KindAudit || !registry.IsHeartbeatName(ev.ObjectName) {
		return "", false
	}
	nonce := strings.ToLower(ev.ObjectName[len(registry.HeartbeatPrefix):])
	return nonce, nonce != ""
}
