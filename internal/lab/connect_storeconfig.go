package lab

import (
	"github.com/honeyvault/honeyvault/internal/config"
)

// SecretStores are the configuration sections that reach the Vault server
// and AWS account of the lab running in dir as its planter, for the plant,
// retire and reconcile verbs with --lab; both are zero for a lab without
// them, and when no lab runs in dir (Connect then says why).
func SecretStores(dir string) (config.Vault, config.AWS) {
	st, err := readState(dir)
	if err != nil {
		return config.Vault{}, config.AWS{}
	}
	var v config.Vault
	var a config.AWS
	p := st.Planter
	if st.Vault != nil && p != nil && p.VaultToken != "" {
		v.Clusters = []config.VaultCluster{{Name: st.Vault.Cluster, Address: st.Vault.Address, Token: p.VaultToken, CAFile: st.Vault.CAFile}}
	}
	if st.AWS != nil && p != nil && p.AWS != nil {
		a = config.AWS{Account: st.AWS.Account, Regions: st.AWS.Regions, PrincipalARN: p.AWS.ARN, Endpoint: st.AWS.Endpoint, CAFile: st.AWS.CAFile,
			AccessKeyID: p.AWS.AccessKeyID, SecretAccessKey: p.AWS.SecretAccessKey}
	}
	return v, a
}
