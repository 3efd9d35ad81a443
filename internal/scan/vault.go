package scan

import (
	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/detect"
)

func (s *Scanner) parseOptions() auditlog.ParseOptions {
	return auditlog.ParseOptions{VaultCluster: s.VaultCluster}
}

// isStoreRecord reports whether an event shows the input is an audit log
// of a store honeyvault watches: a Key Vault record names its vault; a
// Vault audit entry is one even when it names no KV mount (a log may
// start with the device's test probe or hold no KV access at all); so is
// any CloudTrail record (a trail's log file may hold no Secrets Manager
// record and is still the right kind of file).
func isStoreRecord(ev *auditlog.Event) bool {
	return ev.VaultName != "" || ev.Shape == auditlog.ShapeVaultAudit || ev.Shape == auditlog.ShapeCloudTrail
}

// repeatCall reports whether a is the second alert of one Vault call on
// one decoy: Vault logs a request entry and a response entry per call,
// which share a DedupKey (see auditlog.Event.DedupKey). The first in input
// order is reported — the request entry, as the live pipeline keeps — and
// the repeat is not, nor counted. Alerts are few, so the set stays small.
func (c *collector) repeatCall(a *detect.Alert) bool {
	if a.Event.Shape != auditlog.ShapeVaultAudit {
		return false
	}
	key := a.Event.DedupKey() + "|" + a.Decoy.Key()
	if c.calls[key] {
		return true
	}
	if c.calls == nil {
		c.calls = make(map[string]bool)
	}
	c.calls[key] = true
	return false
}
