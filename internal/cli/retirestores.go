package cli

import (
	"context"
	"io"

	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/deploy"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/secretstore"
	"github.com/honeyvault/honeyvault/internal/store"
)

// splitKeyVault parts decoys into Key Vault's and the other stores'.
func splitKeyVault(decoys []registry.Decoy) (kv, others []registry.Decoy) {
	for _, d := range decoys {
		if registry.ProviderOf(d.VaultID) == registry.AzureKeyVault {
			kv = append(kv, d)
		} else {
			others = append(others, d)
		}
	}
	return kv, others
}

// retireStores retires Vault and Secrets Manager decoys through their
// configured providers; a decoy whose store none serves fails on its own.
// Results are in deploy's shape, for printRetired.
func retireStores(ctx context.Context, cfg config.Config, st *store.Store, decoys []registry.Decoy, view *progressView, stderr io.Writer) ([]deploy.RetireResult, error) {
	sess, err := openStores(ctx, cfg, st, stderr)
	if err != nil {
		return nil, err
	}
	var out []deploy.RetireResult
	by := map[*secretstore.Deployer][]registry.Decoy{}
	var order []*secretstore.Deployer
	for _, dec := range decoys {
		d := sess.deployerFor(dec.VaultID)
		if d == nil {
			out = append(out, deploy.RetireResult{Decoy: dec, Err: notConfigured(dec.VaultID)})
			continue
		}
		if _, ok := by[d]; !ok {
			order = append(order, d)
		}
		by[d] = append(by[d], dec)
	}
	for _, d := range order {
		res, err := d.Retire(ctx, by[d], storeProgress(view))
		if err != nil {
			for _, dec := range by[d] {
				out = append(out, deploy.RetireResult{Decoy: dec, Err: err})
			}
			continue
		}
		for _, r := range res {
			// A Vault or Secrets Manager delete is for good: there is
			// nothing to purge afterwards.
			out = append(out, deploy.RetireResult{Decoy: r.Decoy, Deleted: r.Deleted, Note: r.Note, Err: r.Err})
		}
	}
	return out, nil
}

// reconcileStores reconciles the given Vault and Secrets Manager store ids
// (nil: every such store with decoys), each through the provider that
// serves it. Results are in deploy's shape, for printReconcile.
func reconcileStores(ctx context.Context, cfg config.Config, st *store.Store, ids []string, stderr io.Writer) ([]deploy.ReconcileResult, error) {
	sess, err := openStores(ctx, cfg, st, stderr)
	if err != nil {
		return nil, err
	}
	if ids == nil {
		all, err := st.ListDecoys(ctx, store.DecoyFilter{})
		if err != nil {
			return nil, err
		}
		seen := map[string]bool{}
		for _, d := range all {
			if k := registry.VaultKey(d.VaultID); d.Status != registry.Retired && registry.ProviderOf(d.VaultID) != registry.AzureKeyVault && !seen[k] {
				seen[k] = true
				ids = append(ids, d.VaultID)
			}
		}
	}
	var out []deploy.ReconcileResult
	by := map[*secretstore.Deployer][]string{}
	var order []*secretstore.Deployer
	for _, id := range ids {
		d := sess.deployerFor(id)
		if d == nil {
			name := id
			if sid, err := registry.ParseStoreID(id); err == nil {
				name = sid.Name
			}
			out = append(out, deploy.ReconcileResult{VaultID: id, Vault: name, Err: notConfigured(id)})
			continue
		}
		if _, ok := by[d]; !ok {
			order = append(order, d)
		}
		// Each deployer gets its own stores only: nil would be every
		// store of its kind, another cluster's too.
		by[d] = append(by[d], id)
	}
	for _, d := range order {
		res, err := d.Reconcile(ctx, by[d])
		if err != nil {
			for _, id := range by[d] {
				out = append(out, deploy.ReconcileResult{VaultID: id, Vault: id, Err: err})
			}
			continue
		}
		for _, r := range res {
			out = append(out, deploy.ReconcileResult{VaultID: r.StoreID, Vault: r.Store, Checked: r.Checked, Findings: r.Findings, Settled: r.Settled, Err: r.Err})
		}
	}
	return out, nil
}
