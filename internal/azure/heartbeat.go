package azure

import (
	"context"
	"errors"
	"fmt"
)

// ErrHeartbeatSecretExists says the heartbeat's secret was found: Key
// Vault answered (and logged it), but someone created a secret in the
// heartbeat's reserved space.
var ErrHeartbeatSecretExists = errors.New("azure: the heartbeat's secret exists")

// Heartbeat asks the vault for the secret named name, which must not
// exist: Key Vault logs the request (SecretGet, 404) like any other, and
// honeyvault's heartbeat waits for that record to come back through
// ingestion. It needs secrets/get (or a role granting it) to be answered
// 404 rather than 403 — either is logged. It returns nil when Key Vault
// answered 404.
func (vc *VaultClient) Heartbeat(ctx context.Context, name string) error {
	_, err := vc.secrets.GetSecret(ctx, name, "", nil)
	switch {
	case err == nil:
		return fmt.Errorf("vault %s: secret %s: %w", vc.vault.Name, name, ErrHeartbeatSecretExists)
	case IsNotFound(err):
		return nil
	}
	return fmt.Errorf("azure: vault %s: heartbeat: %w", vc.vault.Name, err)
}

// VaultDNSSuffix is the data-plane domain of a cloud's vaults: public
// (default), china or usgovernment, as config's plant.cloud names them.
func VaultDNSSuffix(cloud string) string {
	switch cloud {
	case "china":
		return "vault.azure.cn"
	case "usgovernment":
		return "vault.usgovcloudapi.net"
	}
	return "vault.azure.net"
}
