package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/health"
	"github.com/honeyvault/honeyvault/internal/incident"
	"github.com/honeyvault/honeyvault/internal/store"
)

// heartbeats runs internal/health's monitor on a schedule: it judges the
// heartbeats sent so far, then sends the next ones, through the data
// plane of the inventory's Azure client (the identity discovery and the
// console's deploys sign in as).
type heartbeats struct {
	st    *store.Store
	mon   *health.Monitor
	inv   *inventory
	cloud string
	log   *slog.Logger
	every time.Duration // 0: not on a schedule

	mu      sync.Mutex
	clients map[string]*azure.VaultClient // by vault key: a client signs in once
}

func newHeartbeats(cfg config.Config, st *store.Store, inv *inventory, n incident.Notifier, log *slog.Logger) (*heartbeats, error) {
	every, err := cfg.Heartbeat.Every()
	if err != nil {
		return nil, err // config.Validate has refused it already
	}
	hb := &heartbeats{st: st, inv: inv, cloud: cfg.Plant.Cloud, log: log, every: every, clients: map[string]*azure.VaultClient{}}
	hb.mon = &health.Monitor{Store: st, Send: health.SenderFunc(hb.send), Gaps: incident.NewGapRecorder(n),
		SLA: cfg.HeartbeatSLA(), Every: every, Since: time.Now(), Log: log}
	return hb, nil
}

// send GETs the heartbeat's secret from v. Without an answer from Key
// Vault (no client, no token, no connection) nothing was logged: the
// error says so (health.ErrNotSent).
//
// A replica that lost the scheduler lease sends nothing: the database
// cannot fence a GET to Key Vault, so the lease is checked right before
// it (a window as long as one GET, in which a stale beat is only an
// extra logged request; its nonce's record was refused with the lease).
func (hb *heartbeats) send(ctx context.Context, v health.Vault, name string) error {
	if err := hb.st.CheckFence(ctx); err != nil {
		return fmt.Errorf("%w: %w", health.ErrNotSent, err)
	}
	vc, err := hb.client(v)
	if err != nil {
		return fmt.Errorf("%w: %w", health.ErrNotSent, err)
	}
	if err := vc.Heartbeat(ctx, name); err != nil {
		if azure.StatusCode(err) == 0 && !errors.Is(err, azure.ErrHeartbeatSecretExists) {
			return fmt.Errorf("%w: %w", health.ErrNotSent, err)
		}
		return err
	}
	return nil
}

func (hb *heartbeats) client(v health.Vault) (*azure.VaultClient, error) {
	hb.mu.Lock()
	defer hb.mu.Unlock()
	if vc := hb.clients[v.Key]; vc != nil {
		return vc, nil
	}
	c, err := hb.inv.azureClient()
	if err != nil {
		return nil, err
	}
	vc, err := c.DataPlane(azure.Vault{ID: v.ID, Name: v.Name, URI: "https://" + v.Name + "." + azure.VaultDNSSuffix(hb.cloud) + "/"})
	if err != nil {
		return nil, err
	}
	hb.clients[v.Key] = vc
	return vc, nil
}

// run judges, then beats: the beats judged are those of earlier runs.
func (hb *heartbeats) run(ctx context.Context) {
	checked, err := hb.mon.Check(ctx)
	if err != nil && ctx.Err() == nil {
		hb.log.Warn("health: checking heartbeats", "err", err)
	}
	beat, err := hb.mon.Beat(ctx)
	if err != nil && ctx.Err() == nil {
		hb.log.Warn("health: sending heartbeats", "err", err)
	}
	if beat.Failed > 0 && ctx.Err() == nil {
		// One line a round, however many vaults failed: with Azure
		// unreachable every vault does. Which vaults, at debug only.
		hb.log.Warn("health: heartbeats not answered", "failed", beat.Failed, "sent", beat.Sent, "first_err", sendCause(beat.FirstErr))
		hb.log.Debug("health: heartbeats not answered", "first_vaults", beat.FailedVaults, "first_err", beat.FirstErr)
	}
	hb.log.Debug("health: heartbeat run", "sent", beat.Sent, "failed", beat.Failed, "gaps_opened", checked.Opened, "gaps_ended", checked.Restored)
}

// sendCause is what went wrong with a heartbeat, without the names its
// wrappers add (the vault's, the heartbeat secret's, in the request URL):
// Key Vault's status and code when it answered, else the innermost error
// down to the network's (a refused connection, a DNS failure).
func sendCause(err error) string {
	if code := azure.StatusCode(err); code != 0 {
		return fmt.Sprintf("Key Vault answered %d %s", code, azure.ErrorCode(err))
	}
	for {
		var next error
		switch e := err.(type) {
		case *net.OpError:
			return e.Error() // an address, no name
		case *net.DNSError:
			return "DNS lookup: " + e.Err // e.Name is the vault's host
		case interface{ Unwrap() error }:
			next = e.Unwrap()
		case interface{ Unwrap() []error }:
			// health.ErrNotSent joined with the cause: the cause is last.
			if errs := e.Unwrap(); len(errs) > 0 {
				next = errs[len(errs)-1]
			}
		}
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

// loop runs every hb.every until ctx ends, the first time at once.
func (hb *heartbeats) loop(ctx context.Context) {
	t := time.NewTicker(hb.every)
	defer t.Stop()
	for {
		hb.run(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
