// Package storeset builds the secretstore providers the configuration
// names — one per HashiCorp Vault / OpenBao cluster (config's vault
// section) and one for the AWS account (its aws section) — for the verbs
// and serve, which then plant, retire, reconcile and discover through them.
package storeset

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/secretstore"
	"github.com/honeyvault/honeyvault/internal/secretstore/awssm"
	"github.com/honeyvault/honeyvault/internal/secretstore/vault"
)

// Entry is one configured provider.
type Entry struct {
	Provider secretstore.Provider
	// Group is the store ids' group (registry.StoreID.Group): the Vault
	// cluster's name, the AWS account id.
	Group string
	// Name is the group for people: "HashiCorp Vault prod",
	// "AWS 111122223333".
	Name string
}

// Kind is the entry's provider kind.
func (e Entry) Kind() registry.Provider { return e.Provider.Kind() }

// Owns reports whether the store id belongs to this entry's provider.
func (e Entry) Owns(storeID string) bool {
	id, err := registry.ParseStoreID(storeID)
	return err == nil && id.Provider == e.Kind() && strings.EqualFold(id.Group, e.Group)
}

// Open builds a provider for every configured cluster and account. It
// sends nothing; an error names the setting at fault.
func Open(ctx context.Context, cfg config.Config) ([]Entry, error) {
	var out []Entry
	for i, vc := range cfg.Vault.Clusters {
		var ca []byte
		if vc.CAFile != "" {
			b, err := os.ReadFile(vc.CAFile)
			if err != nil {
				return nil, fmt.Errorf("vault.clusters[%d].ca_file: %w", i, err)
			}
			ca = b
		}
		p, err := vault.New(vault.Config{Cluster: vc.Name, Address: vc.Address, Token: vc.Token, Namespace: vc.Namespace, CACert: ca})
		if err != nil {
			return nil, fmt.Errorf("vault.clusters[%d]: %w", i, err)
		}
		out = append(out, Entry{Provider: p, Group: vc.Name, Name: registry.HashiCorpVault.Label() + " " + vc.Name})
	}
	if a := cfg.AWS; a.Enabled() {
		var ca []byte
		if a.CAFile != "" {
			b, err := os.ReadFile(a.CAFile)
			if err != nil {
				return nil, fmt.Errorf("aws.ca_file: %w", err)
			}
			ca = b
		}
		p, err := awssm.New(ctx, awssm.Config{Account: a.Account, Regions: a.Regions, PrincipalARN: a.PrincipalARN,
			AccessKeyID: a.AccessKeyID, SecretAccessKey: a.SecretAccessKey, SessionToken: a.SessionToken,
			Endpoint: a.Endpoint, CACert: ca})
		if err != nil {
			return nil, fmt.Errorf("aws: %w", err)
		}
		out = append(out, Entry{Provider: p, Group: a.Account, Name: "AWS " + a.Account})
	}
	return out, nil
}
