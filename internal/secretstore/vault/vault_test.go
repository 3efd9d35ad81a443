package vault_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/plant"
	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/secretstore"
	"github.com/honeyvault/honeyvault/internal/secretstore/vault"
	"github.com/honeyvault/honeyvault/internal/vaultemu"
)

const secretID = "vault://corp-vault/secret"

func TestStoresAreKVv2Mounts(t *testing.T) {
	e := startEmu(t, "secret/", "kv/team-a/")
	got, err := e.provider(t, e.planter.ID).Stores(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []secretstore.Store{{ID: "vault://corp-vault/kv/team-a", Name: "corp-vault/kv/team-a"}, {ID: secretID, Name: "corp-vault/secret"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Stores = %+v; want %+v", got, want)
	}
}

func TestInventoryReadsNoValue(t *testing.T) {
	e := startEmu(t)
	seeds := vaultemu.EstateSecrets("secret/", 3)
	if err := e.Seed("secret/", seeds...); err != nil {
		t.Fatal(err)
	}
	entries := e.auditFile(t)
	decoy := seeds[0].Path // stands for one of honeyvault's decoys
	inv, err := e.provider(t, e.planter.ID).Inventory(context.Background(), secretID, func(n string) bool { return n == decoy })
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range inv {
		names = append(names, s.Name)
	}
	if want := e.Paths("secret/"); !reflect.DeepEqual(names, want) {
		t.Fatalf("inventory names %v; want %v", names, want)
	}
	bySeed := map[string]vaultemu.SecretSeed{}
	for _, s := range seeds {
		bySeed[s.Path] = s
	}
	for _, s := range inv {
		want := bySeed[s.Name].CustomMetadata
		if s.Name == decoy {
			want = nil // listed by name only
		}
		if len(want) != len(s.Tags) || len(want) > 0 && !reflect.DeepEqual(want, s.Tags) {
			t.Errorf("%s: tags %v; want custom_metadata %v", s.Name, s.Tags, want)
		}
		if s.Name != decoy && (s.Created.IsZero() || s.Version == "") {
			t.Errorf("%s: created %v, version %q: want the metadata's", s.Name, s.Created, s.Version)
		}
	}
	for _, a := range entries() {
		if strings.HasPrefix(a.Request.Path, "secret/data/") {
			t.Errorf("inventory read a value: %s %s", a.Request.Operation, a.Request.Path)
		}
		if strings.HasSuffix(a.Request.Path, "/"+decoy) && a.Request.Operation != "list" {
			t.Errorf("inventory named the decoy: %s %s", a.Request.Operation, a.Request.Path)
		}
	}
}

func TestCreateWritesFieldsAndMetadata(t *testing.T) {
	e := startEmu(t)
	entries := e.auditFile(t)
	p := e.provider(t, e.planter.ID)
	fields := plant.Fields{{Name: "username", Value: "payments_app"}, {Name: "password", Value: "s3cr3t-Value!"}, {Name: "port", Value: 5432}}
	c, err := p.Create(context.Background(), secretID, "apps/payments/db-password", fields, map[string]string{"owner": "payments"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Version != "1" || c.Created.IsZero() {
		t.Errorf("created %+v: want version 1 and its time", c)
	}
	written := entries()
	got, err := e.root.KVv2("secret").Get(context.Background(), "apps/payments/db-password")
	if err != nil {
		t.Fatal(err)
	}
	if got.Data["username"] != "payments_app" || got.Data["password"] != "s3cr3t-Value!" || got.Data["port"] == nil {
		t.Errorf("data %v: want the fields sent", got.Data)
	}
	if got.CustomMetadata["owner"] != "payments" {
		t.Errorf("custom_metadata %v: want owner payments", got.CustomMetadata)
	}
	// The planter's own requests name it by entity and use only the
	// operations its allow rule lists.
	allowed := p.CreateOperations()
	n := 0
	for _, a := range written {
		if !strings.HasSuffix(a.Request.Path, "/apps/payments/db-password") {
			continue
		}
		n++
		if a.Auth.EntityID != "ent-planter" || !slices.Contains(allowed, "vault:"+a.Request.Operation) {
			t.Errorf("planter's request %s %s by entity %q: not covered by its allow rule %v", a.Request.Operation, a.Request.Path, a.Auth.EntityID, allowed)
		}
	}
	if n != 2 {
		t.Errorf("%d requests named the decoy; want 2 (data and metadata writes)", n)
	}
}

func TestCreateNeverOverwrites(t *testing.T) {
	e := startEmu(t)
	if err := e.Seed("secret/", vaultemu.SecretSeed{Path: "apps/orders/api-key", Versions: []map[string]string{{"api_key": "real"}}, CustomMetadata: map[string]string{"owner": "orders"}}); err != nil {
		t.Fatal(err)
	}
	// With the documented policy a write over a path is an update, which
	// it does not grant; with a token that may update, check-and-set 0
	// refuses it. Either way nothing changes.
	for _, tt := range []struct {
		token string
		want  error
	}{{e.planter.ID, secretstore.ErrForbidden}, {e.RootToken(), secretstore.ErrConflict}} {
		_, err := e.provider(t, tt.token).Create(context.Background(), secretID, "apps/orders/api-key", plant.Fields{{Name: "api_key", Value: "decoy"}}, map[string]string{"owner": "x"})
		if !errors.Is(err, tt.want) || !secretstore.Definite(err) {
			t.Fatalf("create over a real secret: %v; want a definite %v", err, tt.want)
		}
		if strings.Contains(err.Error(), "apps/orders") {
			t.Errorf("error %q names the path", err)
		}
		got, err := e.root.KVv2("secret").Get(context.Background(), "apps/orders/api-key")
		if err != nil {
			t.Fatal(err)
		}
		if got.Data["api_key"] != "real" || got.VersionMetadata.Version != 1 || got.CustomMetadata["owner"] != "orders" {
			t.Errorf("the real secret changed: %v v%d %v", got.Data, got.VersionMetadata.Version, got.CustomMetadata)
		}
	}
}

func TestCreateForbiddenIsDefinite(t *testing.T) {
	e := startEmu(t)
	if err := e.SetPolicy(vaultemu.Policy{Name: "list-only", Rules: []vaultemu.PathRule{{Path: "secret/metadata/*", Capabilities: []string{"list"}}}}); err != nil {
		t.Fatal(err)
	}
	tok, err := e.CreateToken(vaultemu.TokenOptions{Policies: []string{"list-only"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.provider(t, tok.ID).Create(context.Background(), secretID, "apps/x/api-key", plant.Fields{{Name: "api_key", Value: "v"}}, nil)
	if !errors.Is(err, secretstore.ErrForbidden) {
		t.Fatalf("create without the capability: %v; want ErrForbidden", err)
	}
	if paths := e.Paths("secret/"); len(paths) != 0 {
		t.Errorf("paths %v after a refused create", paths)
	}
}

func TestPlanterIdentity(t *testing.T) {
	e := startEmu(t)
	pl, err := e.provider(t, e.planter.ID).Planter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if pl.Identity != "ent-planter" || pl.Display != "vault:token-honeyvault" {
		t.Errorf("planter %+v: want entity ent-planter, display vault:token-honeyvault", pl)
	}
	// A token with no entity (a root token) is named by its accessor.
	noEntity, err := e.CreateToken(vaultemu.TokenOptions{Policies: []string{plantPolicy("secret").Name}})
	if err != nil {
		t.Fatal(err)
	}
	pl, err = e.provider(t, noEntity.ID).Planter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if pl.Identity != noEntity.Accessor {
		t.Errorf("planter %+v: want the accessor %s", pl, noEntity.Accessor)
	}
}

func TestDeleteAndExists(t *testing.T) {
	e := startEmu(t)
	if err := e.Seed("secret/", vaultemu.SecretSeed{Path: "apps/a/db", Versions: []map[string]string{{"password": "1"}, {"password": "2"}}}); err != nil {
		t.Fatal(err)
	}
	p := e.provider(t, e.planter.ID)
	ctx := context.Background()
	for _, tt := range []struct {
		name string
		want bool
	}{{"apps/a/db", true}, {"apps/a/DB", false}, {"apps/a", false}, {"apps/b/db", false}, {"db", false}} {
		if got, err := p.Exists(ctx, secretID, tt.name); err != nil || got != tt.want {
			t.Errorf("Exists(%q) = %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
	if err := p.Delete(ctx, secretID, "apps/a/db"); err != nil {
		t.Fatal(err)
	}
	if paths := e.Paths("secret/"); len(paths) != 0 {
		t.Errorf("paths %v after delete: want every version gone", paths)
	}
	if err := p.Delete(ctx, secretID, "apps/a/db"); !errors.Is(err, secretstore.ErrNotFound) {
		t.Errorf("second delete: %v; want ErrNotFound", err)
	}
}

func TestRefusesOtherStores(t *testing.T) {
	e := startEmu(t)
	p := e.provider(t, e.planter.ID)
	for _, id := range []string{"vault://other-cluster/secret", "arn:aws:secretsmanager:eu-west-1:123456789012", "nonsense"} {
		if _, err := p.Create(context.Background(), id, "apps/x/key", plant.Fields{{Name: "k", Value: "v"}}, nil); err == nil {
			t.Errorf("create in %q: no error", id)
		}
	}
	if _, err := p.Create(context.Background(), secretID, "apps//bad", plant.Fields{{Name: "k", Value: "v"}}, nil); !errors.Is(err, secretstore.ErrInvalid) {
		t.Errorf("create at an invalid path: %v; want ErrInvalid", err)
	}
	if paths := e.Paths("secret/"); len(paths) != 0 {
		t.Errorf("paths %v after refused creates", paths)
	}
}

func TestNewChecksConfig(t *testing.T) {
	tests := []vault.Config{
		{Address: "https://127.0.0.1:8200", Token: "t"},
		{Cluster: "bad cluster", Address: "https://127.0.0.1:8200", Token: "t"},
		{Cluster: "c", Token: "t"},
		{Cluster: "c", Address: "https://127.0.0.1:8200"},
		{Cluster: "c", Address: "https://127.0.0.1:8200", Token: "t", CACert: []byte("not pem")},
	}
	for _, cfg := range tests {
		if _, err := vault.New(cfg); err == nil {
			t.Errorf("New(%+v): no error", cfg)
		}
	}
	if registry.HashiCorpVault.Types()[0] != registry.Secret {
		t.Fatal("the registry changed: Vault holds secrets only")
	}
}

// TestInventoryByDetailedMetadata: where the token may use OpenBao's
// detailed-metadata list, that list alone describes every secret, decoys
// included, and nothing names a secret.
func TestInventoryByDetailedMetadata(t *testing.T) {
	e := startEmu(t)
	p := plantPolicy("secret")
	p.Rules = append(p.Rules, vaultemu.PathRule{Path: "secret/detailed-metadata/*", Capabilities: []string{"list"}})
	if err := e.SetPolicy(p); err != nil {
		t.Fatal(err)
	}
	seeds := vaultemu.EstateSecrets("secret/", 5)
	if err := e.Seed("secret/", seeds...); err != nil {
		t.Fatal(err)
	}
	deleted := seeds[1].Path
	if err := e.root.KVv2("secret").Delete(context.Background(), deleted); err != nil {
		t.Fatal(err)
	}
	entries := e.auditFile(t)
	decoy := seeds[0].Path
	inv, err := e.provider(t, e.planter.ID).Inventory(context.Background(), secretID, func(n string) bool { return n == decoy })
	if err != nil {
		t.Fatal(err)
	}
	if len(inv) != len(seeds) {
		t.Fatalf("%d secrets; want %d", len(inv), len(seeds))
	}
	bySeed := map[string]vaultemu.SecretSeed{}
	for _, s := range seeds {
		bySeed[s.Path] = s
	}
	for _, s := range inv {
		sd := bySeed[s.Name]
		if !reflect.DeepEqual(s.Tags, sd.CustomMetadata) || s.Version != fmt.Sprint(len(sd.Versions)) || s.Created.IsZero() || s.Updated.IsZero() {
			t.Errorf("%s: tags %v version %q created %v: want custom_metadata %v, version %d", s.Name, s.Tags, s.Version, s.Created, sd.CustomMetadata, len(sd.Versions))
		}
		if s.Deleted != (s.Name == deleted) {
			t.Errorf("%s: deleted %v", s.Name, s.Deleted)
		}
	}
	for _, a := range entries() {
		if a.Auth.EntityID == "ent-planter" && a.Request.Operation != "list" {
			t.Errorf("inventory made a %s of %s: want lists only", a.Request.Operation, a.Request.Path)
		}
	}
}
