package deploy

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/store"
)

// planterEntry returns the planter's access-policy entry as the emulator
// holds it.
func (e *env) planterEntry(vault string) (kvemu.AccessPolicy, bool) {
	info, _ := e.emu.Vault(vault)
	for _, ap := range info.AccessPolicies {
		if ap.ObjectID == planterID.ObjectID {
			return ap, true
		}
	}
	return kvemu.AccessPolicy{}, false
}

func TestTemporaryGrant(t *testing.T) {
	scenarios := []struct {
		name string
		// before is the planter's entry before planting (nil: none).
		before *kvemu.Permissions
		// during runs when the plan is made: trouble for the rest of the run.
		during      func(e *env, cancel context.CancelFunc)
		wantPlanted int
		wantErr     string
	}{
		{name: "no entry before", wantPlanted: 1},
		{name: "an entry without set is restored", before: &kvemu.Permissions{Secrets: []string{"get"}, Keys: []string{"get"}}, wantPlanted: 1},
		{name: "removed when planting fails", during: func(e *env, _ context.CancelFunc) {
			if err := e.emu.SetFaults("kv-grant", kvemu.Faults{ServerErrorRate: 1}); err != nil {
				e.t.Fatal(err)
			}
		}, wantErr: "no clear answer"},
		{name: "removed when interrupted", during: func(_ *env, cancel context.CancelFunc) { cancel() }, wantErr: "context canceled"},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			e := newEnv(t)
			aps := policyFor(ownerID, allPerms)
			if sc.before != nil {
				aps = append(aps, policyFor(planterID, *sc.before)...)
			}
			v := e.vault(kvemu.VaultSpec{Name: "kv-grant", AccessPolicies: aps}, "db-password")
			d := e.deployer(plant.Settings{})
			d.GrantTemporary = true
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			granted := false
			runs, err := d.Deploy(ctx, []azure.Vault{v}, func(p Progress) {
				if p.Phase != PhasePlanned {
					return
				}
				entry, ok := e.planterEntry("kv-grant")
				granted = ok && slices.Contains(entry.Permissions.Secrets, "set") && slices.Contains(entry.Permissions.Secrets, "list")
				if sc.during != nil {
					sc.during(e, cancel)
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			r := runs[0]
			if !granted {
				t.Errorf("the planter had no temporary list and set while planting")
			}
			if r.Grant == nil || !r.Grant.Removed {
				t.Fatalf("grant: got %+v; want one, removed", r.Grant)
			}
			entry, has := e.planterEntry("kv-grant")
			switch {
			case sc.before == nil && has:
				t.Errorf("the temporary entry is still there: %+v", entry)
			case sc.before != nil && (!has || !slices.Equal(entry.Permissions.Secrets, sc.before.Secrets) || !slices.Equal(entry.Permissions.Keys, sc.before.Keys)):
				t.Errorf("the entry was not restored: got %+v, %v; want %+v", entry.Permissions, has, *sc.before)
			}
			if owner, _ := e.emu.Vault("kv-grant"); !slices.ContainsFunc(owner.AccessPolicies, func(ap kvemu.AccessPolicy) bool { return ap.ObjectID == ownerID.ObjectID }) {
				t.Errorf("the owner's entry went too")
			}
			if got := len(r.Planted); got != sc.wantPlanted {
				t.Errorf("planted %d; want %d", got, sc.wantPlanted)
			}
			if sc.wantErr != "" && (r.Err == nil || !strings.Contains(r.Err.Error(), sc.wantErr)) {
				t.Errorf("got %v; want an error with %q", r.Err, sc.wantErr)
			}
			if sc.wantErr == "" && r.Err != nil {
				t.Errorf("got %v", r.Err)
			}
		})
	}
}

func TestDryRunDoesNotGrant(t *testing.T) {
	e := newEnv(t)
	v := e.vault(kvemu.VaultSpec{Name: "kv-grant", AccessPolicies: policyFor(ownerID, allPerms)}, "db-password")
	d := e.deployer(plant.Settings{})
	d.GrantTemporary = true
	runs, err := d.Prepare(context.Background(), []azure.Vault{v}, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := runs[0]
	var pe *PermissionError
	if !errors.As(r.Err, &pe) || r.Grant != nil || len(r.Notes) == 0 || !strings.Contains(r.Notes[0], "would grant planter@contoso.com a temporary access policy: secrets/list, secrets/set") {
		t.Errorf("got err %v, grant %+v, notes %q", r.Err, r.Grant, r.Notes)
	}
	if _, has := e.planterEntry("kv-grant"); has {
		t.Errorf("a dry run changed the access policies")
	}
}

func TestUnsettledCreateIsSettledByReconcile(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	v := e.vault(kvemu.VaultSpec{Name: "kv-flaky", AccessPolicies: policyFor(planterID, allPerms)}, "db-password")
	d := e.deployer(plant.Settings{})
	runs, err := d.Prepare(ctx, []azure.Vault{v}, false, nil)
	if err != nil || runs[0].Err != nil {
		t.Fatal(err, runs[0].Err)
	}
	if err := e.emu.SetFaults(v.Name, kvemu.Faults{ServerErrorRate: 1}); err != nil {
		t.Fatal(err)
	}
	d.Apply(ctx, runs, nil)
	if len(runs[0].Unsettled) != 1 {
		t.Fatalf("unsettled: got %d; want 1 (%v)", len(runs[0].Unsettled), runs[0].Err)
	}
	pd := e.decoys(v.Name)
	if len(pd) != 1 || pd[0].Planting.State != store.PlantPending {
		t.Fatalf("got %+v; want one pending decoy", pd)
	}
	// The vault never created it; once the grace period is over, reconcile
	// forgets the record.
	if err := e.emu.SetFaults(v.Name, kvemu.Faults{}); err != nil {
		t.Fatal(err)
	}
	d.Now = func() time.Time { return time.Now().Add(pendingGrace + time.Minute) }
	res, err := d.Reconcile(ctx, nil, nil)
	if err != nil || len(res) != 1 || res[0].Err != nil || res[0].Settled != 1 || len(res[0].Findings) != 0 {
		t.Fatalf("reconcile: got %+v, %v", res, err)
	}
	if pd := e.decoys(v.Name); len(pd) != 0 {
		t.Errorf("the never-created decoy is still recorded: %+v", pd)
	}
}

func TestUndoCommand(t *testing.T) {
	tests := []struct {
		g    Grant
		want string
	}{
		{g: Grant{Vault: "kv-a", ObjectID: "oid"}, want: "remove it: az keyvault delete-policy --name kv-a --object-id oid"},
		{g: Grant{Vault: "kv-a", ObjectID: "oid", Previous: &azure.AccessPolicy{Secrets: []string{"get", "list"}}},
			want: `restore it: az keyvault set-policy --name kv-a --object-id oid --secret-permissions get list --key-permissions "" --certificate-permissions ""`},
	}
	for _, tt := range tests {
		if got := undoCommand(&tt.g); got != tt.want {
			t.Errorf("got %q; want %q", got, tt.want)
		}
	}
}

func TestInterruptedPrepareMarksVaultsNotReached(t *testing.T) {
	e := newEnv(t)
	var vaults []azure.Vault
	for _, n := range []string{"kv-a", "kv-b", "kv-c"} {
		vaults = append(vaults, e.vault(kvemu.VaultSpec{Name: n, AccessPolicies: policyFor(planterID, allPerms)}, "db-password"))
	}
	d := e.deployer(plant.Settings{})
	d.Concurrency = 1
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runs, err := d.Prepare(ctx, vaults, false, func(p Progress) {
		if p.Phase == PhasePlanned {
			cancel()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	reached := 0
	for _, r := range runs {
		switch {
		case r.Plan != nil && r.Err == nil:
			reached++
		case !errors.Is(r.Err, context.Canceled):
			t.Errorf("%s: neither planned nor cancelled: %v", r.Vault.Name, r.Err)
		}
	}
	if reached != 1 {
		t.Errorf("%d vaults planned; want 1", reached)
	}
}
