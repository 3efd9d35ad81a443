package kvemu

import (
	"fmt"
	"strings"
	"time"
)

// DeliveryControl changes, while the emulator runs, how records reach
// their sinks: those of one vault (SetVaultDelivery) or those bound for
// one destination (SetDestinationDelivery). The zero value delivers as
// usual. Tests use it to make a vault's logs late, held or lost.
type DeliveryControl struct {
	// Delay holds each record back this long (real time), on top of the
	// destination's DeliveryOptions.Delay.
	Delay time.Duration
	// Paused holds records back until a control without Paused is set;
	// then they go on, in order. Flush does not wait for records a vault
	// holds (it would never return); a paused destination's are pending.
	Paused bool
	// Cut drops every record, as a deleted diagnostic setting or a broken
	// pipe would: a dropped record never arrives, even once the cut ends.
	// It wins over Paused.
	Cut bool
}

// heldRecord is a record a paused vault holds, with where it was going.
type heldRecord struct {
	targets []target
	rec     Record
}

// SetVaultDelivery sets how the audit records of the vault named
// vaultName leave it, for every destination its diagnostic settings name.
// Records it held while paused go on (or are dropped, when cut) as soon as
// the control no longer pauses.
func (e *Emulator) SetVaultDelivery(vaultName string, c DeliveryControl) error {
	v, err := e.vaultNamed(vaultName)
	if err != nil {
		return err
	}
	v.mu.Lock()
	v.delivery = c
	var release []heldRecord
	if !c.Paused || c.Cut {
		release, v.held = v.held, nil
	}
	v.mu.Unlock()
	for _, h := range release {
		e.route(h.targets, h.rec, c)
	}
	return nil
}

// SetDestinationDelivery sets how records reach one registered
// destination, whatever vault they come from. Cutting it also drops what
// it had queued.
func (e *Emulator) SetDestinationDelivery(destinationID string, c DeliveryControl) error {
	e.mu.RLock()
	d := e.destinations[strings.ToLower(destinationID)]
	e.mu.RUnlock()
	if d == nil {
		return fmt.Errorf("kvemu: no destination %q", destinationID)
	}
	d.mu.Lock()
	d.paused, d.extraDelay, d.cut = c.Paused, c.Delay, c.Cut
	dropped := 0
	if c.Cut {
		dropped, d.queue = len(d.queue), nil
	}
	d.mu.Unlock()
	if dropped > 0 {
		d.p.finish(dropped, false)
	}
	select {
	case d.wake <- struct{}{}:
	default:
	}
	return nil
}

// holdLocked keeps rec back when v's control pauses it, and says whether it did.
// The caller holds v.mu.
func (v *vault) holdLocked(targets []target, rec Record) bool {
	if !v.delivery.Paused || v.delivery.Cut || len(targets) == 0 {
		return false
	}
	v.held = append(v.held, heldRecord{targets: targets, rec: rec})
	return true
}

// route sends rec on to targets as vault control c says: dropped when
// cut, after c.Delay when delayed (pending for Flush meanwhile), else at
// once.
func (e *Emulator) route(targets []target, rec Record, c DeliveryControl) {
	switch {
	case len(targets) == 0:
	case c.Cut:
		e.delivery.add(1)
		e.delivery.finish(1, false)
	case c.Delay > 0:
		e.delivery.add(1)
		time.AfterFunc(c.Delay, func() {
			e.deliver(targets, rec)
			e.delivery.settle(1)
		})
	default:
		e.deliver(targets, rec)
	}
}

// settle takes n records off the pending count without counting them
// delivered or dropped: they were handed on to destinations, which count
// them.
func (p *dispatcher) settle(n int) {
	p.mu.Lock()
	p.pending -= n
	close(p.changed)
	p.changed = make(chan struct{})
	p.mu.Unlock()
}
