package health

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/honeyvault/honeyvault/internal/incident"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// Vault is a decoy vault a heartbeat goes to.
type Vault struct {
	Key  string // registry.VaultKey
	ID   string // ARM id, as the registry spells it
	Name string
}

// Sender asks vault v for the secret named name, which does not exist:
// nil when Key Vault answered 404 (which it logs like any request); an
// error wrapping ErrNotSent when the request never reached Key Vault (no
// credential, no connection), so that nothing was logged to wait for.
type Sender interface {
	Send(ctx context.Context, v Vault, name string) error
}

// SenderFunc adapts a function to Sender.
type SenderFunc func(ctx context.Context, v Vault, name string) error

// Send calls f.
func (f SenderFunc) Send(ctx context.Context, v Vault, name string) error { return f(ctx, v, name) }

// ErrNotSent says a heartbeat never reached Key Vault: it is forgotten
// rather than waited for, so that honeyvault's own trouble (its identity,
// its network) is not reported as the vault's records stopping.
var ErrNotSent = errors.New("health: the heartbeat did not reach Key Vault")

// Monitor sends the heartbeats and judges them. Set the fields before use;
// Beat and Check may then run concurrently with Recognize (ingestion's),
// but Beat and Check are meant to run from one loop.
type Monitor struct {
	Store *store.Store
	Send  Sender
	Gaps  *incident.GapRecorder
	// SLA is how long a heartbeat's record may take to come back (see
	// config.Config.HeartbeatSLA for the rule that picks it).
	SLA time.Duration
	// Every is how often the loop beats; it sets how far back Check looks.
	Every time.Duration
	// Since, when set, leaves heartbeats sent before it unjudged: serve
	// sets its start, because records of heartbeats sent before a restart
	// may still be on their way through a source that was down with it. A
	// gap open from before stays open until a later heartbeat comes back.
	Since time.Time
	// Now is the clock heartbeats are sent and judged by; nil: time.Now.
	Now func() time.Time
	Log *slog.Logger
	// PageVaults is how many vaults Beat and Check read at once; 0: 1,000.
	PageVaults int
}

// concurrentSends bounds the heartbeats in flight at once: a few thousand
// vaults are beaten within a minute without a burst on any.
const concurrentSends = 8

func (m *Monitor) now() time.Time {
	if m.Now != nil {
		return m.Now().UTC()
	}
	return time.Now().UTC()
}

// Report counts what one Beat or Check did.
type Report struct {
	Sent, Failed     int // heartbeats sent; of them, refused or not delivered
	Opened, Restored int // monitoring gaps opened (alerted) and ended
	// FirstErr is the first failed send of a Beat, and FailedVaults the
	// names of the first few vaults whose heartbeat failed (at most
	// failedSample): Beat logs nothing per vault — with Azure unreachable
	// that was a line per vault, ten thousand a round — so that its caller
	// logs the round once.
	FirstErr     error
	FailedVaults []string
}

// failedSample is how many failed vaults' names a Report keeps: enough to
// start looking, few enough for one log line.
const failedSample = 5

// Beat sends one heartbeat to every vault holding an active decoy, each
// stored before it is sent so that a record arriving at once finds it. A
// send that fails is kept: when Key Vault logged it, its record still
// comes back; when it never reached Key Vault (network rules, a vault
// gone), the missed heartbeat is the finding. Vaults are read a page at a
// time and beaten a few at a time (beatGroup), each few stored in one
// transaction.
func (m *Monitor) Beat(ctx context.Context) (Report, error) {
	var r Report
	var errs []error
	for after := ""; ; {
		vaults, next, err := m.decoyVaultsAfter(ctx, after)
		if err != nil {
			return r, errors.Join(append(errs, err)...)
		}
		for len(vaults) > 0 {
			n := min(beatGroup, len(vaults))
			err := m.beat(ctx, vaults[:n], &r)
			if err != nil {
				errs = append(errs, err)
			}
			if errors.Is(err, errStop) || ctx.Err() != nil {
				return r, errors.Join(append(errs, ctx.Err())...)
			}
			vaults = vaults[n:]
		}
		if next == "" {
			return r, errors.Join(errs...)
		}
		after = next
	}
}

// beatGroup is how many heartbeats are stored in one transaction and then
// sent, concurrentSends at a time: few enough that each is sent soon after
// the time stored as its sending.
const beatGroup = 4 * concurrentSends

// errStop marks an error after which Beat sends nothing more: the
// heartbeats could not be stored (the lease lost, the database down).
var errStop = errors.New("health: heartbeats not stored")

// beat stores one heartbeat for each of vaults, sends them, and forgets
// those that never reached Key Vault.
func (m *Monitor) beat(ctx context.Context, vaults []Vault, r *Report) error {
	beats := make([]store.Heartbeat, len(vaults))
	for i, v := range vaults {
		nonce, err := newNonce()
		if err != nil {
			return fmt.Errorf("%w: %w", errStop, err)
		}
		sent := m.now()
		beats[i] = store.Heartbeat{VaultKey: v.Key, VaultID: v.ID, VaultName: v.Name, Nonce: nonce, SentAt: sent, DueAt: sent.Add(m.SLA)}
	}
	if err := m.Store.InsertHeartbeats(ctx, beats); err != nil {
		return fmt.Errorf("%w: %w", errStop, err)
	}
	r.Sent += len(beats)
	results := make([]error, len(vaults))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(concurrentSends)
	for i, v := range vaults {
		g.Go(func() error {
			results[i] = m.Send.Send(gctx, v, registry.HeartbeatPrefix+beats[i].Nonce)
			return nil
		})
	}
	g.Wait()
	var notSent []string
	for i, err := range results {
		if err == nil {
			continue
		}
		r.Failed++
		if r.FirstErr == nil {
			r.FirstErr = err
		}
		if len(r.FailedVaults) < failedSample {
			r.FailedVaults = append(r.FailedVaults, vaults[i].Name)
		}
		if errors.Is(err, ErrNotSent) {
			notSent = append(notSent, beats[i].Nonce)
		}
	}
	// Never sent, so never to come back: forgotten even when the lease
	// this ran under passed on meanwhile (the sender refused to send for
	// it), or the new leader would judge them missing.
	return m.Store.DeleteHeartbeats(store.WithoutFence(ctx), notSent)
}

// Check judges every vault's recent heartbeats: a vault whose newest
// judged heartbeat is missing gets one monitoring gap (its alert, incident
// and notification); a vault with an open gap whose newest judged
// heartbeat came back gets its recovery notice. Heartbeats older than a
// day are pruned.
func (m *Monitor) Check(ctx context.Context) (Report, error) {
	now := m.now()
	open, err := m.Store.HeartbeatGaps(ctx)
	if err != nil {
		return Report{}, err
	}
	gapOf := make(map[string]bool, len(open))
	for _, g := range open {
		gapOf[g.VaultKey] = true
	}
	from := now.Add(-m.lookback())
	if m.Since.After(from) {
		from = m.Since
	}
	var r Report
	var errs []error
	for after := ""; ; {
		beats, err := m.Store.ListHeartbeatsAfter(ctx, from, after, m.pageVaults())
		if err != nil {
			return r, errors.Join(append(errs, err)...)
		}
		if len(beats) == 0 {
			break
		}
		errs = append(errs, m.judge(ctx, beats, gapOf, now, &r)...)
		after = beats[len(beats)-1].VaultKey
	}
	if _, err := m.Store.PruneHeartbeats(ctx, now.Add(-max(24*time.Hour, 2*m.lookback()))); err != nil {
		errs = append(errs, err)
	}
	return r, errors.Join(errs...)
}

// judge judges beats, a page of vaults' heartbeats by vault and then
// oldest first, opening and ending gaps (Check).
func (m *Monitor) judge(ctx context.Context, beats []store.Heartbeat, gapOf map[string]bool, now time.Time, r *Report) []error {
	var errs []error
	for start := 0; start < len(beats); {
		end := start
		for end < len(beats) && beats[end].VaultKey == beats[start].VaultKey {
			end++
		}
		j := Judge(beats[start:end], now)
		key := beats[start].VaultKey
		start = end
		switch {
		case j.Verdict == Missed && !gapOf[key]:
			if err := m.open(ctx, j.FirstMissed, r); err != nil {
				errs = append(errs, err)
			}
		case j.Verdict == Flowing && gapOf[key]:
			if err := m.restore(ctx, key, j.Back, now, r); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errs
}

// lookback is how far back Check reads heartbeats: far enough to hold
// each vault's newest judged one while the loop runs.
func (m *Monitor) lookback() time.Duration { return max(time.Hour, 2*(m.SLA+m.Every)) }

// open claims vault's gap from its first missed heartbeat and raises its
// alert, in one transaction: another run or replica claiming it too finds
// it open and raises nothing.
func (m *Monitor) open(ctx context.Context, first store.Heartbeat, r *Report) error {
	g := store.HeartbeatGap{VaultKey: first.VaultKey, VaultID: first.VaultID, VaultName: first.VaultName, Nonce: first.Nonce,
		Since: first.DueAt, SLA: first.DueAt.Sub(first.SentAt)}
	var in store.Incident
	var claimed bool
	err := m.Store.Update(ctx, func(tx *store.Tx) (err error) {
		if claimed, err = tx.OpenHeartbeatGap(ctx, g); err != nil || !claimed {
			return err
		}
		if in, err = m.Gaps.Raise(ctx, tx, g); err != nil {
			return err
		}
		return tx.SetHeartbeatGapIncident(ctx, g.VaultKey, in.ID)
	})
	if err != nil {
		return fmt.Errorf("health: vault %s: %w", g.VaultName, err)
	}
	if claimed {
		r.Opened++
		m.log().Warn("health: monitoring gap", "vault", g.VaultName, "since", g.Since, "incident", in.ID)
	}
	return nil
}

// restore closes vault key's gap and notes the recovery, in one
// transaction.
func (m *Monitor) restore(ctx context.Context, key string, back store.Heartbeat, now time.Time, r *Report) error {
	var closed bool
	err := m.Store.Update(ctx, func(tx *store.Tx) error {
		g, ok, err := tx.CloseHeartbeatGap(ctx, key)
		if closed = ok; err != nil || !ok {
			return err
		}
		_, err = m.Gaps.Recovered(ctx, tx, g, now, back.Nonce)
		return err
	})
	if err != nil {
		return fmt.Errorf("health: vault %s: %w", back.VaultName, err)
	}
	if closed {
		r.Restored++
		m.log().Info("health: monitoring restored", "vault", back.VaultName)
	}
	return nil
}

func (m *Monitor) log() *slog.Logger {
	if m.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return m.Log
}

// newNonce is 128 random bits in hex: never guessed, never repeated.
func newNonce() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("health: nonce: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}
