package incident

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/store"
)

// Statuses of an incident.
const (
	StatusNew    = "new"
	StatusActive = "active"
	StatusClosed = "closed"
)

// SystemActor is who history rows written by detection name.
const SystemActor = "system"

// Change is what one ingest transaction did to one incident, handed to the
// Notifier inside that transaction.
type Change struct {
	Incident store.Incident // as saved
	Created  bool           // the incident was opened by this change
	// LastAlertID is the newest alert of the incident so far; the alerts
	// this change added are the incident's alerts above the previous
	// change's LastAlertID.
	LastAlertID int64
	Vaults      []string // vault names of the alerts this change added
}

// Notifier queues notifications for incident changes, in the transaction
// that made them (the durable outbox).
type Notifier interface {
	Enqueue(ctx context.Context, tx *store.Tx, c Change) error
}

// Recorder stores alerts and groups them into incidents. It implements the
// server's AlertRecorder: Record runs inside the ingest transaction. Set
// the fields before use; it is then safe for concurrent use.
type Recorder struct {
	Grouping Grouping
	// Window is incidents.group_window; 0 means 5h.
	Window time.Duration
	// Notifier, if set, queues notifications for every change.
	Notifier Notifier
}

// DefaultWindow is the group window when none is set: the Sentinel
// solution's 5 hours.
const DefaultWindow = 5 * time.Hour

func (r *Recorder) window() time.Duration {
	if r.Window <= 0 {
		return DefaultWindow
	}
	return r.Window
}

// Record stores every alert — suppressed ones as hits of no incident — and
// files the others into incidents, creating, growing and ranking them, and
// queues their notifications, all inside tx. A repeat of an alert already
// stored (same event, same decoy) changes nothing.
// ctx bounds the transaction's waits (on PostgreSQL the group lock another
// replica may hold): when it ends, Record returns its error.
func (r *Recorder) Record(ctx context.Context, tx *store.Tx, alerts []detect.Alert) error {
	now := tx.Now()
	groups := make(map[batchKey][]*detect.Alert)
	// The groups of this batch's other alerts by decoy: a canary use
	// committed together with a read of its decoy joins the read.
	batchGroups := map[int64]string{}
	for i := range alerts {
		if a := &alerts[i]; !a.Suppressed && a.Event.Kind != auditlog.KindCanary && a.Decoy.ID != 0 {
			batchGroups[a.Decoy.ID] = r.Grouping.Key(a)
		}
	}
	for i := range alerts {
		a := &alerts[i]
		if a.Suppressed {
			if _, err := tx.InsertAlert(ctx, storedAlert(a, 0, now)); err != nil {
				return err
			}
			continue
		}
		k, err := r.keyOf(ctx, tx, a, batchGroups)
		if err != nil {
			return err
		}
		groups[k] = append(groups[k], a)
	}
	keys := make([]batchKey, 0, len(groups))
	locks := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
		if !slices.Contains(locks, k.group) {
			locks = append(locks, k.group)
		}
	}
	sort.Strings(locks) // lock in one order everywhere: no lock cycles between replicas
	for _, k := range locks {
		if err := tx.LockGroup(ctx, k); err != nil {
			return err
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		return keys[i].group < keys[j].group || keys[i].group == keys[j].group && keys[i].pinned < keys[j].pinned
	})
	for _, k := range keys {
		if err := r.recordGroup(ctx, tx, k, groups[k], now); err != nil {
			return err
		}
	}
	return nil
}

// batchKey is where the alerts of one transaction go: their group, and,
// for canary alerts that join their decoy's incident, that incident.
type batchKey struct {
	group  string
	pinned int64 // 0: the group's latest incident, as usual
}

// keyOf groups alert a. A decoy's canary value used outside Key Vault
// (auditlog.KindCanary) joins the newest incident still open that holds an
// alert of the same decoy, however old — its value was read, then used:
// one story, whoever used it and from where. With no such incident it is
// grouped like any alert (by default its vault and the address that used
// it) — unless a read of the decoy is in the same batch: then it joins
// the read's group. Grouping "..." (every alert alone) keeps it alone too.
func (r *Recorder) keyOf(ctx context.Context, tx *store.Tx, a *detect.Alert, batchGroups map[int64]string) (batchKey, error) {
	k := batchKey{group: r.Grouping.Key(a)}
	if a.Event.Kind != auditlog.KindCanary || r.Grouping.every || r.Grouping.fixed != "" || a.Decoy.ID == 0 {
		return k, nil
	}
	in, err := tx.OpenIncidentOfDecoy(ctx, a.Decoy.ID)
	switch {
	case err == nil:
		return batchKey{group: in.GroupKey, pinned: in.ID}, nil
	case !errors.Is(err, store.ErrNotFound):
		return k, err
	}
	if g, ok := batchGroups[a.Decoy.ID]; ok {
		return batchKey{group: g}, nil // the read's group, window and all
	}
	return k, nil
}

// touched is an incident being changed by this transaction.
type touched struct {
	inc        store.Incident
	created    bool
	before     store.Incident // as read, for history
	added      int
	lastAlert  int64
	vaults     []string
	operations []string
}

func (r *Recorder) recordGroup(ctx context.Context, tx *store.Tx, bk batchKey, alerts []*detect.Alert, now time.Time) error {
	sort.SliceStable(alerts, func(i, j int) bool { return alerts[i].Event.Time.Before(alerts[j].Event.Time) })
	key := bk.group
	var order []*touched
	var cur *touched
	pinned := false
	if bk.pinned != 0 {
		// Read again under the group's lock, and locked itself: an analyst
		// may have closed it since keyOf found it.
		in, err := tx.IncidentForUpdate(ctx, bk.pinned)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err == nil && in.Status != StatusClosed {
			cur, pinned = &touched{inc: in, before: in}, true
		}
	}
	if cur == nil {
		latest, err := tx.LatestIncident(ctx, key)
		switch {
		case err == nil:
			cur = &touched{inc: latest, before: latest}
		case err != store.ErrNotFound:
			return err
		}
	}
	for _, a := range alerts {
		if cur == nil || !pinned && !r.joins(&cur.inc, a.Event.Time) {
			// A repeat must not open an empty incident.
			if dup, err := tx.AlertExists(ctx, a.Event.DedupKey(), a.Decoy.Key()); err != nil || dup {
				if err != nil {
					return err
				}
				continue
			}
			var prev int64
			if cur != nil {
				prev = cur.inc.ID
			}
			cur = &touched{inc: newIncident(key, a, prev, now), created: true}
			if err := tx.InsertIncident(ctx, &cur.inc); err != nil {
				return err
			}
		}
		if len(order) == 0 || order[len(order)-1] != cur {
			order = append(order, cur)
		}
		sa := storedAlert(a, cur.inc.ID, now)
		ok, err := tx.InsertAlert(ctx, sa)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		in := &cur.inc
		if in.FirstSeen.IsZero() || a.Event.Time.Before(in.FirstSeen) {
			in.FirstSeen = a.Event.Time
		}
		if a.Event.Time.After(in.LastSeen) {
			in.LastSeen = a.Event.Time
		}
		in.AlertCount++
		in.AlertSeverity = maxAlertSeverity(in.AlertSeverity, string(a.Severity))
		cur.added++
		cur.lastAlert = sa.ID
		if v := strings.ToLower(a.Decoy.VaultName); !slices.Contains(cur.vaults, v) {
			cur.vaults = append(cur.vaults, v)
		}
		if !slices.Contains(cur.operations, a.Event.Operation) {
			cur.operations = append(cur.operations, a.Event.Operation)
		}
	}
	for _, t := range order {
		if t.added == 0 {
			continue // every alert was a repeat
		}
		if err := r.finish(ctx, tx, t, now); err != nil {
			return err
		}
	}
	return nil
}

// joins reports whether an alert at time at joins open incident in.
func (r *Recorder) joins(in *store.Incident, at time.Time) bool {
	if in.Status == StatusClosed {
		return false
	}
	w := r.window()
	return !at.Before(in.FirstSeen.Add(-w)) && !at.After(in.LastSeen.Add(w))
}

func newIncident(key string, a *detect.Alert, previous int64, now time.Time) store.Incident {
	return store.Incident{
		GroupKey: key, Title: Title(a), Severity: Medium, AlertSeverity: string(a.Severity), Status: StatusNew,
		VaultID: a.Decoy.VaultID, VaultName: strings.ToLower(a.Decoy.VaultName), CallerKey: a.Event.Caller.Key(),
		FirstSeen: a.Event.Time, LastSeen: a.Event.Time, PreviousID: previous, CreatedAt: now, UpdatedAt: now,
	}
}

// finish ranks a changed incident, saves it, writes its history and queues
// its notifications.
func (r *Recorder) finish(ctx context.Context, tx *store.Tx, t *touched, now time.Time) error {
	in := &t.inc
	n, err := tx.CountIncidentDecoys(ctx, in.ID)
	if err != nil {
		return err
	}
	in.DecoyCount = n
	if sev := Severity(detect.Severity(in.AlertSeverity), n); Rank(sev) > Rank(in.Severity) {
		in.Severity = sev
	}
	in.UpdatedAt = now
	if err := tx.SaveIncident(ctx, *in); err != nil {
		return err
	}
	var hist []store.HistoryEntry
	if t.created {
		detail := in.Title
		if in.PreviousID != 0 {
			detail += "; follows incident " + strconv.FormatInt(in.PreviousID, 10)
		}
		hist = append(hist, store.HistoryEntry{Action: "created", NewValue: in.Severity, Detail: detail})
	} else if Rank(in.Severity) > Rank(t.before.Severity) {
		hist = append(hist, store.HistoryEntry{Action: "severity", OldValue: t.before.Severity, NewValue: in.Severity,
			Detail: fmt.Sprintf("%d alerts, %d decoys", in.AlertCount, in.DecoyCount)})
	}
	hist = append(hist, store.HistoryEntry{Action: "alerts", NewValue: strconv.Itoa(t.added),
		Detail: "operations: " + strings.Join(t.operations, ", ")})
	for _, h := range hist {
		h.IncidentID, h.Actor, h.Time = in.ID, SystemActor, now
		if err := tx.AddHistory(ctx, h); err != nil {
			return err
		}
	}
	if r.Notifier == nil {
		return nil
	}
	return r.Notifier.Enqueue(ctx, tx, Change{Incident: *in, Created: t.created, LastAlertID: t.lastAlert, Vaults: t.vaults})
}

// storedAlert is a as the store keeps it.
func storedAlert(a *detect.Alert, incidentID int64, now time.Time) *store.Alert {
	ev := &a.Event
	sa := &store.Alert{
		IncidentID: incidentID, EventKey: ev.DedupKey(), DecoyID: a.Decoy.ID, DecoyKey: a.Decoy.Key(),
		VaultID: a.Decoy.VaultID, VaultName: a.Decoy.VaultName, Token: a.Decoy.Name, TokenType: string(a.Decoy.Type),
		ObjectType: string(ev.ObjectType), Time: ev.Time, CreatedAt: now, Operation: ev.Operation, Class: string(a.Class),
		Severity: string(a.Severity), ResultType: ev.ResultType, ResultSig: ev.ResultSignature, HTTPStatus: ev.HTTPStatus,
		Correlation: ev.CorrelationID, RequestURI: ev.RequestURI, CallerKey: ev.Caller.Key(), Caller: ev.Caller,
		Suppressed: a.Suppressed,
	}
	sa.Caller.Name = ""
	if sa.Caller.ObjectID == "" && sa.Caller.UPN == "" && sa.Caller.AppID == "" && ev.Caller.Name != "" {
		sa.Caller.UPN = ev.Caller.Name // an activity record's free-form caller
	}
	if ev.Kind == auditlog.KindActivity {
		sa.RequestURI = ev.ResourceID // the ARM resource the change was made to
		if sa.ResultType == "" {
			sa.ResultType = ev.Status // REST events and AzureActivity rows carry only a status
		}
	}
	if a.AllowedBy != nil {
		sa.AllowedBy = a.AllowedBy.Identity
	}
	return sa
}
