package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/store"
)

// ErrRefused is returned, wrapping the database's error, by Submit for a
// batch the database refuses for good (see store.IsDataError) even with
// every record it refuses set aside as a dead letter: its dead letters or
// checkpoints themselves. Sending the batch again will not help.
var ErrRefused = errors.New("ingest: the database refuses the batch")

// isolate stores a batch the database refused as a whole with a data error:
// a value it cannot hold, a limit, a constraint, which no retry will
// change. It commits the batch's events in halves, down to single events,
// and turns each event the database refuses on its own into a dead letter,
// so that one record that can never be stored costs itself — not its
// batch, nor, through a source's retries, every batch after it. The
// batch's dead letters and checkpoints commit last, once every event
// before them is stored. Parts commit in their own transactions, each with
// detection, so a decoy access in the batch alerts.
func (p *Pipeline) isolate(ctx context.Context, b store.Batch, cause error) (store.Accepted, error) {
	p.log.Warn("ingest: the database refuses a batch: storing it in parts to set aside what it refuses",
		"source", b.Source, "records", len(b.Events), "err", cause)
	var total store.Accepted
	rest := store.Batch{Source: b.Source, DeadLetters: b.DeadLetters, Checkpoints: b.Checkpoints, Fence: b.Fence}
	// Without dead letters and checkpoints, the events alone are what the
	// database refused: no need to try them whole again.
	var refused error
	if len(b.DeadLetters) == 0 && len(b.Checkpoints) == 0 {
		refused = cause
	}
	if err := p.split(ctx, b.Source, b.Events, refused, &total, &rest); err != nil {
		return store.Accepted{}, err
	}
	acc, err := p.acceptOne(ctx, rest)
	if err != nil {
		if p.store.IsDataError(err) {
			return store.Accepted{}, fmt.Errorf("%w: %w", ErrRefused, err)
		}
		return store.Accepted{}, err
	}
	total.New += acc.New
	total.Duplicate += acc.Duplicate
	total.DeadLetters += acc.DeadLetters
	return total, nil
}

// split commits events or, when the database refuses them (refused is
// its error when it did already), each half on its own; an event refused
// alone joins rest as a dead letter.
func (p *Pipeline) split(ctx context.Context, source string, events []auditlog.Event, refused error, total *store.Accepted, rest *store.Batch) error {
	if len(events) == 0 {
		return nil
	}
	if refused == nil {
		acc, err := p.acceptOne(ctx, store.Batch{Source: source, Events: events, Fence: rest.Fence})
		switch {
		case err == nil:
			total.New += acc.New
			total.Duplicate += acc.Duplicate
			return nil
		case !p.store.IsDataError(err):
			return err
		}
		refused = err
	}
	if len(events) == 1 {
		p.log.Warn("ingest: record refused by the database, dead-lettered", "source", source, "position", events[0].Source.String(), "err", refused)
		rest.DeadLetters = append(rest.DeadLetters, refusedRecord(source, &events[0], refused))
		return nil
	}
	half := len(events) / 2
	if err := p.split(ctx, source, events[:half], nil, total, rest); err != nil {
		return err
	}
	return p.split(ctx, source, events[half:], nil, total, rest)
}

func (p *Pipeline) acceptOne(ctx context.Context, b store.Batch) (store.Accepted, error) {
	acc, err := p.store.Accept(ctx, []store.Batch{b}, p.hookFunc())
	if err != nil {
		return store.Accepted{}, err
	}
	return acc[0], nil
}

// refusedRecord is the dead letter of an event the database refuses: the
// event as parsed, since the record's bytes are gone by now.
func refusedRecord(source string, ev *auditlog.Event, err error) store.DeadLetter {
	raw, _ := json.Marshal(ev)
	return store.DeadLetter{Source: source, Position: ev.Source.String(), Reason: "refused by the database: " + err.Error(), Raw: string(raw)}
}
