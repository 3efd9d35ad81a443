package lab

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/honeyvault/honeyvault/internal/vaultemu"
)

// connectStores wires the Vault server's and the AWS account's audit
// paths to the running honeyvault, as their operators would: Vault's
// socket audit device streams to serve's Vault socket source, and the
// account's CloudTrail events reach the aws-cloudtrail ingest endpoint
// through an EventBridge API destination. Without ingestion (a test's
// knob), neither is wired: their records go nowhere.
func (l *Lab) connectStores(ctx context.Context) error {
	if l.opts.noIngest {
		return nil
	}
	addr, err := l.awaitVaultSocket(ctx)
	if err != nil {
		return err
	}
	if err := l.vaultEmu.EnableSocketAudit("honeyvault", "tcp", addr, vaultemu.AuditOptions{}); err != nil {
		return fmt.Errorf("lab: enabling Vault's socket audit device: %w", err)
	}
	return l.addTrailSink()
}

// awaitVaultSocket waits until serve's Vault socket source listens (it
// binds at its first poll) and returns its address.
func (l *Lab) awaitVaultSocket(ctx context.Context) (string, error) {
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		if a := l.srv.VaultSocketAddr(vaultSocketSource); a != nil {
			return a.String(), nil
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("lab: honeyvault's Vault socket source did not listen: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

// awaitWatched waits until honeyvault's detection has synced the registry
// since committed: the stores' decoys are planted while it serves, and a
// read of one before the sync would match nothing (records are matched
// once, on arrival).
func (l *Lab) awaitWatched(ctx context.Context, committed time.Time) error {
	want := float64(committed.UnixNano()) / 1e9
	c := &http.Client{Timeout: 5 * time.Second}
	defer c.CloseIdleConnections()
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		got, err := scrapeGauge(ctx, c, l.url+"/metrics", syncedMetric)
		if err == nil && got > want {
			return nil
		}
		select {
		case <-ctx.Done():
			if err == nil {
				err = errors.New("its registry sync has not run since the planting")
			}
			return fmt.Errorf("lab: honeyvault does not watch the Vault and Secrets Manager decoys: %w", err)
		case <-tick.C:
		}
	}
}
