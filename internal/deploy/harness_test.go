package deploy

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/azure"
	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// The deployment tests' estate: subscriptions with vaults of both
// permission models, existing objects in house styles, identities.
const (
	subA     = "11111111-1111-4111-8111-111111111111"
	subB     = "22222222-2222-4222-8222-222222222222"
	auditDst = "/subscriptions/11111111-1111-4111-8111-111111111111/resourceGroups/rg-logs/providers/Microsoft.Storage/storageAccounts/stlogs"
)

var (
	planterID = kvemu.Identity{ObjectID: "aaaaaaaa-1111-4111-8111-000000000001", UPN: "planter@contoso.com", AppID: "04b07795-8ddb-461a-bbee-02f9e1bf7b46"}
	ownerID   = kvemu.Identity{ObjectID: "bbbbbbbb-2222-4222-8222-000000000002", UPN: "owner@contoso.com", AppID: "04b07795-8ddb-461a-bbee-02f9e1bf7b46"}
	allPerms  = kvemu.Permissions{Secrets: []string{"all"}, Keys: []string{"all"}, Certificates: []string{"all"}}
)

// env is one test's emulator, registry and clients.
type env struct {
	t      *testing.T
	emu    *kvemu.Emulator
	store  *store.Store
	az     *azure.Client // as the planter
	owner  *azure.Client // as the vaults' owner, to change things "outside honeyvault"
	audit  *kvemu.MemorySink
	sleeps *sleepLog
	ids    map[string]string // vault name → ARM id, kept when a vault is deleted
}

// sleepLog records the waits the limiter and deployer asked for, without
// waiting, so tests with long Retry-After values stay fast.
type sleepLog struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleepLog) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

// waited reports whether some wait was d, give or take a second (holds
// are measured from when they were set).
func (s *sleepLog) waited(d time.Duration) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, w := range s.d {
		if w > d-time.Second && w <= d {
			return true
		}
	}
	return false
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvOpts(t, kvemu.Options{})
}

// newEnvOpts is newEnv with emulator options (a clock, for one).
func newEnvOpts(t *testing.T, opts kvemu.Options) *env {
	t.Helper()
	if opts.PageSize == 0 {
		opts.PageSize = 5
	}
	emu, err := kvemu.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "hv.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{t: t, emu: emu, store: st, audit: kvemu.NewMemorySink(0), sleeps: &sleepLog{}, ids: map[string]string{}}
	if err := emu.RegisterDestination(auditDst, e.audit, kvemu.DeliveryOptions{}); err != nil {
		t.Fatal(err)
	}
	e.az = e.client(planterID)
	e.owner = e.client(ownerID)
	return e
}

func (e *env) client(id kvemu.Identity) *azure.Client {
	e.t.Helper()
	co := e.emu.ClientOptions()
	co.Cloud = e.emu.Cloud()
	c, err := azure.New(azure.Options{Credential: e.emu.Credential(id), ClientOptions: co})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// vault creates a vault whose audit records go to e.audit, seeded with
// secrets of the given names.
func (e *env) vault(spec kvemu.VaultSpec, secrets ...string) azure.Vault {
	e.t.Helper()
	if spec.ResourceGroup == "" {
		spec.ResourceGroup = "rg-apps"
	}
	if spec.SubscriptionID == "" {
		spec.SubscriptionID = subA
	}
	info, err := e.emu.CreateVault(spec)
	if err != nil {
		e.t.Fatal(err)
	}
	e.ids[spec.Name] = info.ID
	if err := e.emu.SetDiagnosticSetting(spec.Name, kvemu.DiagnosticSetting{Name: "audit", StorageAccountID: auditDst,
		Logs: []kvemu.LogSettings{{CategoryGroup: "audit", Enabled: true}}}); err != nil {
		e.t.Fatal(err)
	}
	for _, s := range secrets {
		if _, err := e.emu.SeedSecret(spec.Name, kvemu.SecretSeed{Name: s, Value: "real-" + s}); err != nil {
			e.t.Fatal(err)
		}
	}
	return e.azVault(spec.Name)
}

// azVault reads a vault as the planter sees it.
func (e *env) azVault(name string) azure.Vault {
	e.t.Helper()
	info, ok := e.emu.Vault(name)
	if !ok {
		e.t.Fatalf("no vault %s", name)
	}
	v, err := e.az.Vault(context.Background(), info.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

// policyFor is an access-policy entry for the planter.
func policyFor(id kvemu.Identity, p kvemu.Permissions) []kvemu.AccessPolicy {
	return []kvemu.AccessPolicy{{TenantID: kvemu.DefaultTenantID, ObjectID: id.ObjectID, Permissions: p}}
}

func (e *env) deployer(s plant.Settings) *Deployer {
	e.t.Helper()
	p, err := plant.NewPlanner(s)
	if err != nil {
		e.t.Fatal(err)
	}
	lim, err := NewLimiter(DefaultLimits())
	if err != nil {
		e.t.Fatal(err)
	}
	who, err := e.az.WhoAmI(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return &Deployer{Azure: e.az, Store: e.store, Planner: p, Planter: who, Limiter: lim, Concurrency: 4}
}

// decoys returns the registry's decoys of a vault.
func (e *env) decoys(vault string) []store.PlantedDecoy {
	e.t.Helper()
	id, ok := e.ids[vault]
	if !ok {
		e.t.Fatalf("no vault %s", vault)
	}
	ds, err := e.store.PlantedDecoys(context.Background(), store.DecoyFilter{VaultID: id})
	if err != nil {
		e.t.Fatal(err)
	}
	return ds
}

// auditOps returns the operations of audit records so far (vault, op,
// status, object name from the request URI).
type auditOp struct {
	vault, op, name string
	status          int
}

func (e *env) auditOps() []auditOp {
	e.t.Helper()
	if err := e.emu.Flush(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	var out []auditOp
	for _, r := range e.audit.Records() {
		var rec kvemu.AuditRecord
		if err := json.Unmarshal(r.JSON, &rec); err != nil {
			e.t.Fatal(err)
		}
		name, _ := registry.VaultNameFromID(rec.ResourceID)
		out = append(out, auditOp{vault: strings.ToLower(name), op: rec.OperationName, status: rec.Properties.HTTPStatusCode, name: objectName(rec.Properties.RequestURI)})
	}
	return out
}

// objectName is the object a data-plane request URI names ("" for
// collection calls).
func objectName(uri string) string {
	if i := strings.Index(uri, "?"); i >= 0 {
		uri = uri[:i]
	}
	parts := strings.Split(strings.TrimPrefix(uri, "https://"), "/")
	if len(parts) < 3 || parts[2] == "" {
		return ""
	}
	switch parts[1] {
	case "secrets", "keys", "certificates", "deletedsecrets", "deletedkeys", "deletedcertificates":
		if parts[2] == "restore" || parts[2] == "import" {
			return ""
		}
		return strings.ToLower(parts[2])
	}
	return ""
}

// squash is how plant compares names (lower-case, dashes removed): a decoy
// must not collide with an existing name in this form.
func squash(name string) string {
	return strings.ToLower(strings.ReplaceAll(name, "-", ""))
}
