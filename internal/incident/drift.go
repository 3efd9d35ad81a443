package incident

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// DriftOperationPrefix starts the operation of a drift alert: "reconcile/"
// and the finding's kind ("reconcile/deleted"), so that it never passes for
// a Key Vault operation.
const DriftOperationPrefix = "reconcile/"

// unknownCaller says why a drift alert names nobody.
const unknownCaller = "by an unknown caller: reconcile compares list calls with the registry, and list calls do not say who changed a decoy"

// driftWords is, per kind of finding, the class and severity of its alert
// and the words its title uses.
var driftWords = map[store.FindingKind]struct {
	class    detect.Class
	severity detect.Severity
	what     string // "decoy secret <what> outside honeyvault"
}{
	store.FindingDeleted:    {detect.ClassDelete, detect.High, "deleted"},
	store.FindingGone:       {detect.ClassPurge, detect.High, "purged"},
	store.FindingVaultGone:  {detect.ClassDelete, detect.High, "gone: its vault was deleted"},
	store.FindingDisabled:   {detect.ClassUpdate, detect.High, "disabled"},
	store.FindingNewVersion: {detect.ClassWrite, detect.High, "overwritten with a new version"},
	store.FindingChanged:    {detect.ClassUpdate, detect.Medium, "changed (attributes or tags)"},
}

// Drifts reports whether a finding of this kind raises an alert: every kind
// but never-placed, which is honeyvault's own create that never arrived.
func Drifts(kind store.FindingKind) bool {
	_, ok := driftWords[kind]
	return ok
}

// DriftAlert is finding f of decoy d as an alert: no caller (reconcile
// cannot know it), the finding's time, an operation "reconcile/<kind>" and
// a correlation id naming the finding, so that every finding is one alert
// of its own.
func DriftAlert(f store.Finding, d registry.Decoy) detect.Alert {
	w := driftWords[f.Kind]
	return detect.Alert{
		Decoy: d, Class: w.class, Severity: w.severity,
		Event: auditlog.Event{
			Kind: auditlog.KindDrift, Time: f.FoundAt.UTC(), VaultID: d.VaultID, VaultName: strings.ToLower(d.VaultName),
			ObjectType: d.Type, ObjectName: d.Name, Operation: DriftOperationPrefix + string(f.Kind),
			ResultType: "Drift", ResultDescription: f.Detail, CorrelationID: "finding:" + strconv.FormatInt(f.ID, 10),
			ResourceID: d.VaultID,
		},
	}
}

// driftTitle says in plain words what happened, where, and that the
// caller is not known. It names the vault, never the decoy.
func driftTitle(a *detect.Alert) string {
	kind := store.FindingKind(strings.TrimPrefix(a.Event.Operation, DriftOperationPrefix))
	what := driftWords[kind].what
	if what == "" {
		what = "changed"
	}
	vault := strings.ToLower(a.Decoy.VaultName)
	if kind == store.FindingVaultGone {
		return fmt.Sprintf("Vault %s holding a decoy %s deleted outside honeyvault (caller unknown: found by reconcile)", vault, a.Decoy.Type)
	}
	return fmt.Sprintf("Decoy %s %s outside honeyvault in %s (caller unknown: found by reconcile)", a.Decoy.Type, what, vault)
}

// DriftRecorder turns reconcile's findings into incidents: one alert and
// one incident per finding (whatever incidents.group_by says: a finding has
// no caller to group by), and its notifications through the Notifier.
// It is safe for concurrent use.
type DriftRecorder struct {
	r Recorder
}

// NewDriftRecorder returns a DriftRecorder queueing notifications with n
// (nil: none).
func NewDriftRecorder(n Notifier) *DriftRecorder {
	return &DriftRecorder{r: Recorder{Grouping: Grouping{every: true}, Notifier: n}}
}

// Raise records finding f of decoy d as one alert and incident, with a
// history entry saying what changed and why no caller is named, and
// queues its notifications — all in tx, which the caller commits together
// with marking f alerted (store.Tx.ClaimFindingAlert). It returns the
// incident.
func (dr *DriftRecorder) Raise(ctx context.Context, tx *store.Tx, f store.Finding, d registry.Decoy) (store.Incident, error) {
	if !Drifts(f.Kind) {
		return store.Incident{}, fmt.Errorf("incident: a %s finding raises no alert", f.Kind)
	}
	a := DriftAlert(f, d)
	if err := dr.r.Record(ctx, tx, []detect.Alert{a}); err != nil {
		return store.Incident{}, err
	}
	in, err := tx.LatestIncident(ctx, dr.r.Grouping.Key(&a))
	if err != nil {
		return store.Incident{}, err
	}
	detail := fmt.Sprintf("finding %d: %s; %s", f.ID, f.Detail, unknownCaller)
	return in, tx.AddHistory(ctx, store.HistoryEntry{IncidentID: in.ID, Actor: SystemActor, Time: tx.Now(), Action: "drift",
		NewValue: string(f.Kind), Detail: detail})
}

// Recovered adds a recovery note to the incident of finding f, which a
// later reconcile resolved (the decoy is back, enabled) or a retirement
// closed (the note says which): the incident is
// left open for the analyst, because the change itself still happened
// and still needs explaining. The note is written once, however many runs
// or replicas see the recovery. It reports whether it wrote one.
func (dr *DriftRecorder) Recovered(ctx context.Context, tx *store.Tx, f store.Finding, d registry.Decoy) (bool, error) {
	a := DriftAlert(f, d)
	key := dr.r.Grouping.Key(&a)
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
	mark := "finding:" + strconv.FormatInt(f.ID, 10)
	if done, err := tx.HasHistory(ctx, in.ID, "recovered", mark); err != nil || done {
		return false, err
	}
	at := f.ResolvedAt
	if at.IsZero() {
		at = tx.Now()
	}
	how := fmt.Sprintf("reconcile found the decoy %s back", d.Type)
	if d.Status == registry.Retired {
		// Retiring closes a decoy's findings: it did not come back.
		how = fmt.Sprintf("the decoy %s was retired", d.Type)
	}
	detail := fmt.Sprintf("finding %d (%s) resolved at %s: %s; the incident stays as it is for the analyst to close",
		f.ID, f.Kind, at.UTC().Format(time.RFC3339), how)
	return true, tx.AddHistory(ctx, store.HistoryEntry{IncidentID: in.ID, Actor: SystemActor, Time: tx.Now(), Action: "recovered",
		NewValue: mark, Detail: detail})
}
