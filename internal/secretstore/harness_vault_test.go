package secretstore_test

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	vaultapi "github.com/hashicorp/vault/api"

	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/secretstore"
	"github.com/honeyvault/honeyvault/internal/secretstore/vault"
	"github.com/honeyvault/honeyvault/internal/store"
	"github.com/honeyvault/honeyvault/internal/testenv"
	"github.com/honeyvault/honeyvault/internal/vaultemu"
)

// env is a TLS Vault emulator with an estate in each mount, a SQLite
// registry, and a deployer planting with a token holding the documented
// policy (see package vault) on the mounts given.
type env struct {
	t     *testing.T
	emu   *vaultemu.Server
	root  *vaultapi.Client
	store *store.Store
	clock *testenv.Clock
	token vaultemu.Token
}

func newEnv(t *testing.T, mounts []string, writable ...string) *env {
	t.Helper()
	emu, err := vaultemu.New(vaultemu.Options{Mounts: mounts})
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.StartTLS(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	if _, err := emu.SeedEstate(7); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "hv.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var policies []string
	for _, m := range emu.Mounts() {
		m = strings.TrimSuffix(m, "/")
		rules := []vaultemu.PathRule{
			{Path: "sys/mounts", Capabilities: []string{"read"}},
			{Path: "auth/token/lookup-self", Capabilities: []string{"read"}},
			{Path: m + "/metadata/*", Capabilities: []string{"list", "read"}},
		}
		if len(writable) == 0 || slices.Contains(writable, m) {
			rules[2].Capabilities = append(rules[2].Capabilities, "create", "update", "delete")
			rules = append(rules, vaultemu.PathRule{Path: m + "/data/*", Capabilities: []string{"create"}})
		}
		name := "honeyvault-" + strings.ReplaceAll(m, "/", "-")
		if err := emu.SetPolicy(vaultemu.Policy{Name: name, Rules: rules}); err != nil {
			t.Fatal(err)
		}
		policies = append(policies, name)
	}
	tok, err := emu.CreateToken(vaultemu.TokenOptions{DisplayName: "token-honeyvault", Policies: policies, EntityID: "ent-planter"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := vaultapi.DefaultConfig()
	cfg.Address, cfg.MaxRetries, cfg.Timeout = emu.URL(), 0, 30*time.Second
	if err := cfg.ConfigureTLS(&vaultapi.TLSConfig{CACertBytes: emu.CACertPEM()}); err != nil {
		t.Fatal(err)
	}
	root, err := vaultapi.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	root.SetToken(emu.RootToken())
	return &env{t: t, emu: emu, root: root, store: st, clock: testenv.NewClock(time.Now().UTC().Truncate(time.Second)), token: tok}
}

func (e *env) deployer(q plant.Quantity) *secretstore.Deployer {
	e.t.Helper()
	p, err := vault.New(vault.Config{Cluster: "corp-vault", Address: e.emu.URL(), Token: e.token.ID, CACert: e.emu.CACertPEM()})
	if err != nil {
		e.t.Fatal(err)
	}
	pl, err := plant.NewPlanner(plant.Settings{Quantity: q})
	if err != nil {
		e.t.Fatal(err)
	}
	h, err := plant.NewHasher([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		e.t.Fatal(err)
	}
	return &secretstore.Deployer{Provider: p, Store: e.store, Planner: pl, Hasher: h, Actor: "cli:test",
		Rand: func(id string) *rand.Rand { return plant.SeededRand(uint64(len(id))) }, Now: e.clock.Now}
}

// stores lists the emulator's mounts through the deployer's provider.
func (e *env) stores(d *secretstore.Deployer) []secretstore.Store {
	e.t.Helper()
	ss, err := d.Provider.Stores(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return ss
}

// decoys is the registry's decoys of one store, with their plantings.
func (e *env) decoys(storeID string) []store.PlantedDecoy {
	e.t.Helper()
	all, err := e.store.PlantedDecoys(context.Background(), store.DecoyFilter{})
	if err != nil {
		e.t.Fatal(err)
	}
	var out []store.PlantedDecoy
	for _, pd := range all {
		if registry.VaultKey(pd.VaultID) == registry.VaultKey(storeID) {
			out = append(out, pd)
		}
	}
	return out
}

// progressLog records progress reports from any goroutine.
type progressLog struct {
	mu  sync.Mutex
	all []secretstore.Progress
}

func (l *progressLog) report(p secretstore.Progress) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all = append(l.all, p)
}

func (l *progressLog) last(storeName string) secretstore.Progress {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out secretstore.Progress
	for _, p := range l.all {
		if p.Store == storeName {
			out = p
		}
	}
	return out
}
