package secretstore_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/secretstore"
	"github.com/honeyvault/honeyvault/internal/secretstore/vault"
	"github.com/honeyvault/honeyvault/internal/store"
)

func TestDefinite(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("vault: writing: HTTP 403: %w", secretstore.ErrForbidden), true},
		{fmt.Errorf("x: %w", secretstore.ErrConflict), true},
		{fmt.Errorf("x: %w", secretstore.ErrNotFound), true},
		{fmt.Errorf("x: %w", secretstore.ErrInvalid), true},
		{fmt.Errorf("x: %w", secretstore.ErrThrottled), true},
		{errors.New("vault: writing: HTTP 500: internal error"), false},
		{context.DeadlineExceeded, false},
		{nil, false},
	}
	for _, tt := range tests {
		if got := secretstore.Definite(tt.err); got != tt.want {
			t.Errorf("Definite(%v) = %v; want %v", tt.err, got, tt.want)
		}
	}
}

// TestDeployerRefusesBadSetup: a deployer missing a part, or given a store
// of another provider, says so before sending anything (the Vault address
// is closed: a request would fail differently) and records nothing.
func TestDeployerRefusesBadSetup(t *testing.T) {
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "hv.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	p, err := vault.New(vault.Config{Cluster: "corp-vault", Address: "https://127.0.0.1:1", Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	pl, err := plant.NewPlanner(plant.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	planter := secretstore.Planter{Identity: "ent-1"}
	tests := []struct {
		name  string
		d     *secretstore.Deployer
		store string
		want  string
	}{
		{"no provider", &secretstore.Deployer{Store: st, Planner: pl, Planter: planter}, "vault://corp-vault/secret", "without a provider"},
		{"no store", &secretstore.Deployer{Provider: p, Planner: pl, Planter: planter}, "vault://corp-vault/secret", "without a store"},
		{"no planner", &secretstore.Deployer{Provider: p, Store: st, Planter: planter}, "vault://corp-vault/secret", "without a planner"},
		{"Key Vault store", &secretstore.Deployer{Provider: p, Store: st, Planner: pl, Planter: planter},
			"/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-a", "is not a HashiCorp Vault store"},
		{"Secrets Manager store", &secretstore.Deployer{Provider: p, Store: st, Planner: pl, Planter: planter},
			"arn:aws:secretsmanager:eu-west-1:123456789012", "is not a HashiCorp Vault store"},
	}
	for _, tt := range tests {
		_, err := tt.d.Deploy(context.Background(), []secretstore.Store{{ID: tt.store, Name: "x"}}, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v; want an error saying %q", tt.name, err, tt.want)
		}
	}
	if all, err := st.ListDecoys(context.Background(), store.DecoyFilter{}); err != nil || len(all) != 0 {
		t.Errorf("registry holds %d decoys (%v) after refused deploys", len(all), err)
	}
}
