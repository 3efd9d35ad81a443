package incident

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// The classes of the heartbeat's alerts (internal/health): about the
// pipeline, not an access to a decoy.
const (
	ClassMonitoringGap      detect.Class = "monitoring-gap"      // a vault's records stopped reaching honeyvault
	ClassMonitoringRestored detect.Class = "monitoring-restored" // and flow again
)

// HeartbeatOperationPrefix starts the operation of a heartbeat alert
// ("heartbeat/missed", "heartbeat/restored"), so that it never passes for
// a Key Vault operation.
const HeartbeatOperationPrefix = "heartbeat/"

// gapWindow keeps a gap's recovery in the gap's incident however long
// the gap lasted.
const gapWindow = 100 * 365 * 24 * time.Hour

// GapRecorder turns a vault's monitoring gap into one alert, incident and
// notification, and its end into one more alert on that incident (a
// notification saying the records flow again) with a recovery note. The
// caller claims the gap (store.Tx.OpenHeartbeatGap, CloseHeartbeatGap) in
// the same transaction, which is what makes each happen once. It is safe
// for concurrent use.
type GapRecorder struct {
	n Notifier
}

// NewGapRecorder returns a GapRecorder queueing notifications with n (nil:
// none).
func NewGapRecorder(n Notifier) *GapRecorder { return &GapRecorder{n: n} }

// recorder files every alert of gap g into one incident of its own.
func (gr *GapRecorder) recorder(g store.HeartbeatGap) *Recorder {
	return &Recorder{Grouping: Grouping{fixed: "heartbeat-gap=" + g.VaultKey + "|" + g.Nonce}, Window: gapWindow, Notifier: gr.n}
}

// GapAlert is gap g as an alert: no caller, the first missed heartbeat's
// due time, and a correlation id naming that heartbeat.
func GapAlert(g store.HeartbeatGap) detect.Alert {
	return detect.Alert{
		Decoy: registry.Decoy{VaultID: g.VaultID, VaultName: g.VaultName}, Class: ClassMonitoringGap, Severity: detect.Medium,
		Event: auditlog.Event{
			Kind: auditlog.KindHealth, Time: g.Since.UTC(), VaultID: g.VaultID, VaultName: strings.ToLower(g.VaultName),
			Operation: HeartbeatOperationPrefix + "missed", ResultType: "Missed", ResourceID: g.VaultID,
			ResultDescription: fmt.Sprintf("honeyvault's heartbeat did not come back through ingestion within %s", g.SLA),
			CorrelationID:     "heartbeat:" + g.Nonce,
		},
	}
}

// restoredAlert says gap g ended at at, when heartbeat nonce came back.
func restoredAlert(g store.HeartbeatGap, at time.Time, nonce string) detect.Alert {
	a := GapAlert(g)
	a.Class = ClassMonitoringRestored
	a.Event.Time, a.Event.Operation, a.Event.ResultType = at.UTC(), HeartbeatOperationPrefix+"restored", "Restored"
	a.Event.ResultDescription = "honeyvault's heartbeat came back through ingestion: the vault's audit records reach honeyvault again"
	a.Event.CorrelationID = "heartbeat:" + nonce
	return a
}

// gapTitle names a gap's incident after its vault, in plain words.
func gapTitle(a *detect.Alert) string {
	return fmt.Sprintf("Monitoring gap: audit records of %s no longer reach honeyvault (heartbeat missed)", strings.ToLower(a.Decoy.VaultName))
}

// Raise records gap g as one alert and incident, with a history entry
// saying what to check, and queues its notifications, all in tx. It
// returns the incident.
func (gr *GapRecorder) Raise(ctx context.Context, tx *store.Tx, g store.HeartbeatGap) (store.Incident, error) {
	r := gr.recorder(g)
	a := GapAlert(g)
	if err := r.Record(ctx, tx, []detect.Alert{a}); err != nil {
		return store.Incident{}, err
	}
	in, err := tx.LatestIncident(ctx, r.Grouping.Key(&a))
	if err != nil {
		return store.Incident{}, err
	}
	detail := fmt.Sprintf("heartbeat %s was due back by %s (within %s) and has not come back: check the vault's diagnostic setting still sends AuditEvent to a source honeyvault reads, and that source",
		g.Nonce, g.Since.UTC().Format(time.RFC3339), g.SLA)
	return in, tx.AddHistory(ctx, store.HistoryEntry{IncidentID: in.ID, Actor: SystemActor, Time: tx.Now(), Action: "monitoring-gap", Detail: detail})
}

// Recovered records the end of gap g, seen at at when heartbeat nonce
// came back: a recovery alert on the gap's incident, which notifies like
// any alert joining an incident, and a recovery note. The incident stays
// open for the analyst: what silenced the vault still needs explaining.
// When the analyst closed it already, only the note is written. It reports
// whether the gap had an incident.
func (gr *GapRecorder) Recovered(ctx context.Context, tx *store.Tx, g store.HeartbeatGap, at time.Time, nonce string) (bool, error) {
	r := gr.recorder(g)
	a := restoredAlert(g, at, nonce)
	key := r.Grouping.Key(&a)
	if err := tx.LockGroup(ctx, key); err != nil {
		return false, err
	}
	in, err := tx.LatestIncident(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if in.Status != StatusClosed {
		if err := r.Record(ctx, tx, []detect.Alert{a}); err != nil {
			return false, err
		}
	}
	detail := fmt.Sprintf("records flow again: heartbeat %s came back through ingestion (gap since %s); the incident stays as it is for the analyst to close",
		nonce, g.Since.UTC().Format(time.RFC3339))
	return true, tx.AddHistory(ctx, store.HistoryEntry{IncidentID: in.ID, Actor: SystemActor, Time: tx.Now(), Action: "recovered",
		NewValue: "heartbeat:" + nonce, Detail: detail})
}

// DescribeHealth says in plain words what a heartbeat alert of class c
// found, "" for other classes: the words a tamper alert's change takes in
// incident pages and messages.
func DescribeHealth(c detect.Class) string {
	switch c {
	case ClassMonitoringGap:
		return "found the vault's audit records no longer reach honeyvault: a heartbeat did not come back through ingestion in time"
	case ClassMonitoringRestored:
		return "found the vault's audit records reach honeyvault again: a heartbeat came back through ingestion"
	}
	return ""
}

// HeartbeatCaller is who a heartbeat alert names in words, as it has no
// caller: honeyvault itself found what it says.
const HeartbeatCaller = "honeyvault's heartbeat"
