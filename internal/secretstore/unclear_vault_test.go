package secretstore_test

import (
	"context"
	"io"
	"net"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	vaultapi "github.com/hashicorp/vault/api"

	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/store"
)

// auditSocket is the far end of a socket audit device: it reads and drops
// entries until stopped, and can listen again at the same address.
type auditSocket struct {
	t     *testing.T
	addr  string
	mu    sync.Mutex
	ln    net.Listener
	conns []net.Conn
}

func listenAudit(t *testing.T) *auditSocket {
	a := &auditSocket{t: t, addr: filepath.Join(t.TempDir(), "audit.sock")}
	a.listen()
	t.Cleanup(a.stop)
	return a
}

func (a *auditSocket) listen() {
	ln, err := net.Listen("unix", a.addr)
	if err != nil {
		a.t.Fatal(err)
	}
	a.mu.Lock()
	a.ln = ln
	a.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			a.mu.Lock()
			a.conns = append(a.conns, c)
			a.mu.Unlock()
			go io.Copy(io.Discard, c)
		}
	}()
}

// stop closes the listener and every connection: the device can write
// no entry, and Vault refuses every request.
func (a *auditSocket) stop() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.ln != nil {
		a.ln.Close()
		a.ln = nil
	}
	for _, c := range a.conns {
		c.Close()
	}
	a.conns = nil
}

func TestDeployVaultUnclearCreateStaysPending(t *testing.T) {
	e := newEnv(t, []string{"secret/"})
	sock := listenAudit(t)
	if err := e.root.Sys().EnableAuditWithOptions("sock", &vaultapi.EnableAuditOptions{Type: "socket",
		Options: map[string]string{"address": sock.addr, "socket_type": "unix"}}); err != nil {
		t.Fatal(err)
	}
	d := e.deployer(plant.Quantity{P: 1, Max: 3})
	runs, err := d.Prepare(context.Background(), e.stores(d), nil)
	if err != nil || runs[0].Err != nil {
		t.Fatalf("prepare: %v %+v", err, runs)
	}
	// Vault now answers 500 to everything: no create is refused, none
	// is known to have happened.
	sock.stop()
	d.Apply(context.Background(), runs, nil)
	r := runs[0]
	if r.Err == nil || len(r.Unsettled) != 3 || len(r.Planted) != 0 {
		t.Fatalf("apply: err %v, %d unsettled, %d planted; want all 3 unsettled", r.Err, len(r.Unsettled), len(r.Planted))
	}
	pds := e.decoys(secretID)
	if len(pds) != 3 {
		t.Fatalf("registry holds %d decoys; want the 3 pending", len(pds))
	}
	for _, pd := range pds {
		if pd.Planting == nil || pd.Planting.State != store.PlantPending {
			t.Errorf("%d: planting %+v; want pending", pd.ID, pd.Planting)
		}
	}
	// Vault is back; the creates never reached it. Reconcile leaves them
	// while a planting run could still be sending them, then drops them.
	sock.listen()
	res, err := d.Reconcile(context.Background(), nil)
	if err != nil || res[0].Err != nil || res[0].Settled != 0 {
		t.Fatalf("reconcile within the grace: %v %+v; want nothing settled", err, res)
	}
	e.clock.Advance(11 * time.Minute)
	res, err = d.Reconcile(context.Background(), nil)
	if err != nil || res[0].Err != nil || res[0].Settled != 3 {
		t.Fatalf("reconcile after the grace: %v %+v; want 3 dropped", err, res)
	}
	if pds := e.decoys(secretID); len(pds) != 0 {
		t.Errorf("registry still holds %d decoys", len(pds))
	}
	for _, dec := range r.Plan.Decoys {
		if slices.Contains(e.emu.Paths("secret/"), dec.Name) {
			t.Errorf("%q exists unrecorded", dec.Name)
		}
	}
}
