package cli

import (
	"cmp"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/honeyvault/honeyvault/internal/config"
	"github.com/honeyvault/honeyvault/internal/deploy"
	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/secretstore"
	"github.com/honeyvault/honeyvault/internal/secretstore/storeset"
	"github.com/honeyvault/honeyvault/internal/store"
)

// storeSession is what the plant verbs need for the secret stores beyond
// Key Vault: one deployer per configured Vault cluster and AWS account,
// all on one registry.
type storeSession struct {
	entries   []storeset.Entry
	deployers []*secretstore.Deployer // by entry
}

// openStores builds the configured providers and their deployers. It
// sends nothing; with no vault or aws section it is empty.
func openStores(ctx context.Context, cfg config.Config, st *store.Store, stderr io.Writer) (*storeSession, error) {
	for _, w := range cfg.Warnings() {
		fmt.Fprintln(stderr, "warning:", w)
	}
	entries, err := storeset.Open(ctx, cfg)
	if err != nil || len(entries) == 0 {
		return &storeSession{}, err
	}
	settings, err := deploy.PlannerSettings(cfg.Plant)
	if err != nil {
		return nil, err
	}
	// Vault and Secrets Manager hold secrets only.
	settings.Types = []registry.Type{registry.Secret}
	planner, err := plant.NewPlanner(settings)
	if err != nil {
		return nil, err
	}
	var hasher *plant.Hasher
	if cfg.Plant.ValueHashKey != "" {
		key, err := hex.DecodeString(cfg.Plant.ValueHashKey)
		if err != nil {
			return nil, fmt.Errorf("plant.value_hash_key: %w", err)
		}
		if hasher, err = plant.NewHasher(key); err != nil {
			return nil, err
		}
	}
	s := &storeSession{entries: entries}
	for _, e := range entries {
		s.deployers = append(s.deployers, &secretstore.Deployer{Provider: e.Provider, Store: st, Planner: planner, Hasher: hasher,
			Actor: cliActor(), Concurrency: cfg.Plant.Concurrency, Log: newLogger(cfg.Log, stderr)})
	}
	return s, nil
}

// deployerFor is the deployer of the entry serving storeID, nil when none
// is configured for it.
func (s *storeSession) deployerFor(storeID string) *secretstore.Deployer {
	for i, e := range s.entries {
		if e.Owns(storeID) {
			return s.deployers[i]
		}
	}
	return nil
}

// storeProgress feeds a secret store's progress to a Key Vault progress
// view: the same bar, the same lines.
func storeProgress(view *progressView) func(secretstore.Progress) {
	return func(p secretstore.Progress) {
		view.Update(deploy.Progress{Vault: p.Store, Phase: deploy.Phase(p.Phase), Done: p.Done, Total: p.Total, Err: p.Err})
	}
}

// notConfigured explains a decoy whose store no configured provider serves.
func notConfigured(storeID string) error {
	id, err := registry.ParseStoreID(storeID)
	if err != nil {
		return fmt.Errorf("store %q: %w", storeID, err)
	}
	switch id.Provider {
	case registry.HashiCorpVault:
		return fmt.Errorf("no vault.clusters entry is named %q: configure it to reach this store", id.Group)
	case registry.AWSSecretsManager:
		return fmt.Errorf("aws.account is not %s: configure it to reach this store", id.Group)
	}
	return fmt.Errorf("store %q: no provider configured", storeID)
}

// joinExit is the exit error of two runs: the higher code, both errors.
func joinExit(a, b error) error {
	code := func(err error) int {
		var e *ExitError
		if errors.As(err, &e) {
			return e.Code
		}
		if err != nil {
			return 1
		}
		return 0
	}
	if a == nil || b == nil {
		return cmp.Or(a, b)
	}
	return &ExitError{Code: max(code(a), code(b)), Err: errors.Join(errors.Unwrap(a), errors.Unwrap(b))}
}
