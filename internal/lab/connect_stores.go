package lab

import (
	"context"
	"fmt"
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
