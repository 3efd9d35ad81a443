package azure

import (
	"context"
	"fmt"
)

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
		return fmt.Errorf("azure: vault %s: the heartbeat's secret %s exists", vc.vault.Name, name)
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
