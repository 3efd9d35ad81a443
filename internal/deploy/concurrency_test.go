package deploy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/registry"
)

// busySlots is a progress callback that holds the first vaults to start in
// their checking phase until ctx ends, so that every slot is busy when the
// test cancels, and records every vault that started.
type busySlots struct {
	ctx  context.Context
	mu   sync.Mutex
	seen []string
	full chan struct{} // closed once `slots` vaults are held
	hold int
}

func newBusySlots(ctx context.Context, slots int) *busySlots {
	return &busySlots{ctx: ctx, full: make(chan struct{}), hold: slots}
}

func (b *busySlots) progress(p Progress) {
	if p.Phase != PhaseChecking {
		return
	}
	b.mu.Lock()
	b.seen = append(b.seen, p.Vault)
	n := len(b.seen)
	b.mu.Unlock()
	if n > b.hold {
		return
	}
	if n == b.hold {
		close(b.full)
	}
	<-b.ctx.Done()
}

func (b *busySlots) started() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.seen)
}

// TestCancelWhileEverySlotIsBusy cancels Prepare, Retire and Reconcile while
// every one of their slots is taken: each returns once the vaults at work
// have stopped, starts no other vault, and says of every vault it never
// started that it was cancelled.
func TestCancelWhileEverySlotIsBusy(t *testing.T) {
	const slots, vaults = 2, 5
	e := newEnv(t)
	var vs []azure.Vault
	for i := range vaults {
		vs = append(vs, e.vault(kvemu.VaultSpec{Name: fmt.Sprintf("kv-busy-%d", i), AccessPolicies: policyFor(planterID, allPerms)}, "db-password"))
	}
	d := e.deployer(plant.Settings{})
	runs, err := d.Deploy(context.Background(), vs, nil)
	if err != nil {
		t.Fatal(err)
	}
	var decoys []registry.Decoy
	for _, r := range runs {
		if r.Err != nil {
			t.Fatalf("%s: %v", r.Vault.Name, r.Err)
		}
		decoys = append(decoys, r.Planted...)
	}
	d.Concurrency = slots

	// Each returns every vault's error by name. Retire goes last: were it
	// to retire anything, reconcile would check less.
	ops := []struct {
		name string
		run  func(ctx context.Context, progress func(Progress)) (map[string]error, error)
	}{
		{"prepare", func(ctx context.Context, progress func(Progress)) (map[string]error, error) {
			runs, err := d.Prepare(ctx, vs, true, progress)
			out := map[string]error{}
			for _, r := range runs {
				out[r.Vault.Name] = r.Err
			}
			return out, err
		}},
		{"reconcile", func(ctx context.Context, progress func(Progress)) (map[string]error, error) {
			res, err := d.Reconcile(ctx, nil, progress)
			out := map[string]error{}
			for _, r := range res {
				out[r.Vault] = r.Err
			}
			return out, err
		}},
		{"retire", func(ctx context.Context, progress func(Progress)) (map[string]error, error) {
			res, err := d.Retire(ctx, decoys, false, progress)
			out := map[string]error{}
			for _, r := range res {
				out[r.Decoy.VaultName] = r.Err
			}
			return out, err
		}},
	}
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			busy := newBusySlots(ctx, slots)
			type outcome struct {
				errs map[string]error
				err  error
			}
			done := make(chan outcome, 1)
			go func() {
				errs, err := op.run(ctx, busy.progress)
				done <- outcome{errs, err}
			}()
			<-busy.full
			cancel()
			var out outcome
			select {
			case out = <-done:
			case <-time.After(time.Minute):
				t.Fatalf("still running a minute after the cancel; vaults started: %v", busy.started())
			}
			if out.err != nil {
				t.Fatal(out.err)
			}
			started := busy.started()
			if len(started) != slots {
				t.Errorf("vaults started: %v; want only the %d that held the slots", started, slots)
			}
			if len(out.errs) != vaults {
				t.Errorf("%d vaults in the answer; want %d: %v", len(out.errs), vaults, out.errs)
			}
			for v, err := range out.errs {
				if !errors.Is(err, context.Canceled) {
					t.Errorf("%s: %v; want it cancelled (started: %v)", v, err, slices.Contains(started, v))
				}
			}
		})
	}
}
