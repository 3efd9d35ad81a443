package incident

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/detect"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

func TestDriftAlertSaysWhatChanged(t *testing.T) {
	d := registry.Decoy{ID: 4, VaultID: vaultID("kv-pay"), VaultName: "KV-Pay", Name: "db-password", Type: registry.Secret}
	tests := []struct {
		kind      store.FindingKind
		title     string
		severity  detect.Severity
		class     detect.Class
		wantAlert bool
	}{
		{store.FindingDeleted, "Decoy secret deleted outside honeyvault in kv-pay (caller unknown: found by reconcile)", detect.High, detect.ClassDelete, true},
		{store.FindingGone, "Decoy secret purged outside honeyvault in kv-pay (caller unknown: found by reconcile)", detect.High, detect.ClassPurge, true},
		{store.FindingVaultGone, "Vault kv-pay holding a decoy secret deleted outside honeyvault (caller unknown: found by reconcile)", detect.High, detect.ClassDelete, true},
		{store.FindingDisabled, "Decoy secret disabled outside honeyvault in kv-pay (caller unknown: found by reconcile)", detect.High, detect.ClassUpdate, true},
		{store.FindingNewVersion, "Decoy secret overwritten with a new version outside honeyvault in kv-pay (caller unknown: found by reconcile)", detect.High, detect.ClassWrite, true},
		{store.FindingChanged, "Decoy secret changed (attributes or tags) outside honeyvault in kv-pay (caller unknown: found by reconcile)", detect.Medium, detect.ClassUpdate, true},
		{store.FindingNeverPlaced, "", "", "", false},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			if got := Drifts(tt.kind); got != tt.wantAlert {
				t.Fatalf("Drifts: got %v; want %v", got, tt.wantAlert)
			}
			if !tt.wantAlert {
				return
			}
			a := DriftAlert(store.Finding{ID: 9, DecoyID: d.ID, VaultID: d.VaultID, Kind: tt.kind, Detail: "x", FoundAt: t0}, d)
			if got := Title(&a); got != tt.title {
				t.Errorf("title: got %q; want %q", got, tt.title)
			}
			if a.Severity != tt.severity || a.Class != tt.class || !a.Event.Caller.IsZero() || a.Event.CorrelationID != "finding:9" {
				t.Errorf("alert: %+v", a)
			}
			if strings.Contains(Title(&a), d.Name) {
				t.Errorf("the title names the decoy: %q", Title(&a))
			}
		})
	}
}

// outboxRows queues a notification row per change, as the real outbox
// does, in the change's transaction.
type outboxRows struct{}

func (outboxRows) Enqueue(ctx context.Context, tx *store.Tx, c Change) error {
	_, err := tx.EnqueueNotification(ctx, "test", c.Incident.ID, c.LastAlertID, 0)
	return err
}

// A drift alert raised in a transaction that rolls back leaves no alert,
// incident or notification and the finding unalerted; committed, it is one
// incident, one notification and a history saying what changed and that
// the caller is unknown; its recovery is a note on that incident, which
// stays open.
func TestDriftRaiseCommitsOrRollsBackWithItsClaim(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		decoys, _ := e.st.ListDecoys(ctx, store.DecoyFilter{})
		d := decoys[0]
		f := store.Finding{DecoyID: d.ID, VaultID: d.VaultID, Kind: store.FindingDeleted, Detail: "secret deleted outside honeyvault (still recoverable)"}
		if _, err := e.st.AddFinding(ctx, &f, store.AuditEntry{Actor: "system"}); err != nil {
			t.Fatal(err)
		}
		dr := NewDriftRecorder(outboxRows{})
		raise := func(fail error) error {
			return e.st.Update(ctx, func(tx *store.Tx) error {
				if ok, err := tx.ClaimFindingAlert(ctx, f.ID, tx.Now()); err != nil || !ok {
					return errors.Join(err, errors.New("not claimed"))
				}
				if _, err := dr.Raise(ctx, tx, f, d); err != nil {
					return err
				}
				return fail
			})
		}
		boom := errors.New("boom")
		if err := raise(boom); !errors.Is(err, boom) {
			t.Fatalf("got %v; want boom", err)
		}
		count := func() (incidents, notifications, unalerted int) {
			in, _ := e.st.ListIncidents(ctx, store.IncidentFilter{})
			n, _ := e.st.ListNotifications(ctx, "", "", 100)
			u, _ := e.st.ListFindings(ctx, store.FindingFilter{Unalerted: true})
			return len(in), len(n), len(u)
		}
		if i, n, u := count(); i != 0 || n != 0 || u != 1 {
			t.Fatalf("after a rollback: %d incidents, %d notifications, %d unalerted; want 0, 0, 1", i, n, u)
		}
		if err := raise(nil); err != nil {
			t.Fatal(err)
		}
		if i, n, u := count(); i != 1 || n != 1 || u != 0 {
			t.Fatalf("committed: %d incidents, %d notifications, %d unalerted; want 1, 1, 0", i, n, u)
		}
		incidents, _ := e.st.ListIncidents(ctx, store.IncidentFilter{})
		in := incidents[0]
		if in.Severity != High || in.CallerKey != "" || !strings.HasPrefix(in.Title, "Decoy secret deleted outside honeyvault") {
			t.Errorf("incident: %+v", in)
		}
		f.ResolvedAt = t0
		err := e.st.Update(ctx, func(tx *store.Tx) error {
			ok, err := dr.Recovered(ctx, tx, f, d)
			if err == nil && !ok {
				err = errors.New("no incident for the finding")
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		// A second note of the same recovery (another run, another
		// replica) is not written.
		if err := e.st.Update(ctx, func(tx *store.Tx) error {
			ok, err := dr.Recovered(ctx, tx, f, d)
			if ok {
				t.Errorf("the recovery was noted twice")
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		hist, _ := e.st.IncidentHistory(ctx, in.ID)
		var actions []string
		for _, h := range hist {
			actions = append(actions, h.Action)
		}
		if got, want := strings.Join(actions, ","), "created,alerts,drift,recovered"; got != want {
			t.Errorf("history: got %s; want %s", got, want)
		}
		if h := hist[2].Detail; !strings.Contains(h, "still recoverable") || !strings.Contains(h, "unknown caller") {
			t.Errorf("drift entry: %q", h)
		}
		if after, _ := e.st.GetIncident(ctx, in.ID); after.Status == StatusClosed {
			t.Errorf("the recovery closed the incident")
		}
		other := store.Finding{ID: f.ID + 100, DecoyID: d.ID, Kind: store.FindingDisabled, FoundAt: t0}
		if err := e.st.Update(ctx, func(tx *store.Tx) error {
			ok, err := dr.Recovered(ctx, tx, other, d)
			if ok {
				t.Errorf("a finding never raised has an incident")
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := e.st.Update(ctx, func(tx *store.Tx) error {
			_, err := dr.Raise(ctx, tx, store.Finding{ID: 1, DecoyID: d.ID, Kind: store.FindingNeverPlaced}, d)
			return err
		}); err == nil {
			t.Errorf("a never-placed finding was raised")
		}
	})
}
