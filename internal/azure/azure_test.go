package azure

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/keyvault/armkeyvault"

	"github.com/honeyvault/honeyvault/internal/kvemu"
	"github.com/honeyvault/honeyvault/internal/registry"
)

const (
	sub1        = "11111111-1111-1111-1111-111111111111"
	sub2        = "22222222-2222-2222-2222-222222222222"
	otherTenant = "99999999-9999-9999-9999-999999999999"
	subOther    = "33333333-3333-3333-3333-333333333333"
)

var (
	planter = kvemu.Identity{ObjectID: "aaaaaaaa-0000-0000-0000-000000000001", UPN: "planter@contoso.com", AppID: "04b07795-8ddb-461a-bbee-02f9e1bf7b46"}
	app     = kvemu.Identity{ObjectID: "bbbbbbbb-0000-0000-0000-000000000002", AppID: "cccccccc-0000-0000-0000-000000000003"}
)

// estate starts an emulator with two visible subscriptions (three vaults,
// both permission models) and one in another tenant.
func estate(t *testing.T) *kvemu.Emulator {
	t.Helper()
	e, err := kvemu.New(kvemu.Options{PageSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	if err := e.AddSubscription(kvemu.Subscription{ID: subOther, TenantID: otherTenant}); err != nil {
		t.Fatal(err)
	}
	specs := []kvemu.VaultSpec{
		{SubscriptionID: sub1, ResourceGroup: "rg-app", Name: "kv-app-prod", Location: "westeurope", Tags: map[string]string{"env": "prod"},
			AccessPolicies: []kvemu.AccessPolicy{{TenantID: kvemu.DefaultTenantID, ObjectID: planter.ObjectID,
				Permissions: kvemu.Permissions{Secrets: []string{"List", "Set", "Delete", "Purge"}, Keys: []string{"all"}, Certificates: []string{"list", "create", "delete", "purge"}}}}},
		{SubscriptionID: sub1, ResourceGroup: "rg-app", Name: "kv-app-rbac", Location: "northeurope", EnableRBACAuthorization: true, SKU: "premium"},
		{SubscriptionID: sub2, ResourceGroup: "rg-data", Name: "kv-data-dev", Location: "eastus"},
		{SubscriptionID: subOther, ResourceGroup: "rg-x", Name: "kv-elsewhere", TenantID: otherTenant},
	}
	for _, s := range specs {
		if _, err := e.CreateVault(s); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func client(t *testing.T, e *kvemu.Emulator, id kvemu.Identity) *Client {
	t.Helper()
	co := e.ClientOptions()
	co.Cloud = e.Cloud()
	c, err := New(Options{Credential: e.Credential(id), ClientOptions: co})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSubscriptionsAreTheCredentialsTenants(t *testing.T) {
	e := estate(t)
	subs, err := client(t, e, planter).Subscriptions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range subs {
		ids = append(ids, s.ID)
	}
	if got, want := strings.Join(ids, ","), sub1+","+sub2; got != want {
		t.Errorf("got %s; want %s", got, want)
	}
}

func TestVaultsAcrossSubscriptions(t *testing.T) {
	e := estate(t)
	c := client(t, e, planter)
	vaults, errs := c.Vaults(context.Background(), nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	var names []string
	for _, v := range vaults {
		names = append(names, v.Name)
	}
	if got, want := strings.Join(names, ","), "kv-app-prod,kv-app-rbac,kv-data-dev"; got != want {
		t.Fatalf("got %s; want %s", got, want)
	}
	ap, rbac := vaults[0], vaults[1]
	if ap.RBAC || !rbac.RBAC {
		t.Errorf("permission models: got %v, %v; want access policies, RBAC", ap.RBAC, rbac.RBAC)
	}
	if got, want := ap.Tags["env"], "prod"; got != want {
		t.Errorf("tags: got %q; want %q", got, want)
	}
	if got, want := ap.Location, "westeurope"; got != want {
		t.Errorf("location: got %q; want %q", got, want)
	}
	if got, want := ap.ResourceGroup, "rg-app"; got != want {
		t.Errorf("resource group: got %q; want %q", got, want)
	}
	if got, want := ap.URI, "https://kv-app-prod.vault.azure.net/"; got != want {
		t.Errorf("uri: got %q; want %q", got, want)
	}
	if got, want := rbac.SKU, "premium"; got != want {
		t.Errorf("sku: got %q; want %q", got, want)
	}
	if !ap.SoftDelete {
		t.Errorf("soft delete: got off; the emulator's vaults have it on")
	}
	p := Principal{ObjectID: planter.ObjectID}
	entry, ok := ap.EntryFor(p)
	if !ok || !Has(entry.Secrets, "set") || !Has(entry.Keys, "create") || Has(entry.Secrets, "get") {
		t.Errorf("access policy: got %+v, %v", entry, ok)
	}

	// One subscription named explicitly; an unknown one fails alone.
	vaults, errs = c.Vaults(context.Background(), []string{sub2, "44444444-4444-4444-4444-444444444444"})
	if len(vaults) != 1 || vaults[0].Name != "kv-data-dev" {
		t.Errorf("got %+v; want kv-data-dev only", vaults)
	}
	var se *SubscriptionError
	if len(errs) != 1 || !errors.As(errs[0], &se) || se.SubscriptionID != "44444444-4444-4444-4444-444444444444" {
		t.Errorf("errors: got %v; want one for the unknown subscription", errs)
	}

	got, err := c.Vault(context.Background(), ap.ID)
	if err != nil || got.Name != "kv-app-prod" || len(got.AccessPolicies) != 1 {
		t.Errorf("Vault: got %+v, %v", got, err)
	}
}

// A vault that says soft delete is off has it off; one that does not say
// has it on, as Azure treats it.
func TestVaultSoftDelete(t *testing.T) {
	id := "/subscriptions/" + sub1 + "/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-x"
	name := "kv-x"
	for _, c := range []struct {
		flag *bool
		want bool
	}{{nil, true}, {to.Ptr(true), true}, {to.Ptr(false), false}} {
		v, ok := vaultOf(&armkeyvault.Vault{ID: &id, Name: &name, Properties: &armkeyvault.VaultProperties{EnableSoftDelete: c.flag}})
		if !ok || v.SoftDelete != c.want {
			t.Errorf("enableSoftDelete %v: got %v (ok %v); want %v", c.flag, v.SoftDelete, ok, c.want)
		}
	}
}

func TestParseVaultID(t *testing.T) {
	tests := []struct {
		in            string
		sub, rg, name string
		wantErr       bool
	}{
		{in: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv", sub: "s", rg: "rg", name: "kv"},
		{in: "/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV/", sub: "S", rg: "RG", name: "KV"},
		{in: "kv-app-prod", wantErr: true},
		{in: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/x", wantErr: true},
		{in: "/subscriptions//resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv", wantErr: true},
	}
	for _, tt := range tests {
		sub, rg, name, err := ParseVaultID(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseVaultID(%q): err %v; want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if got, want := sub+"|"+rg+"|"+name, tt.sub+"|"+tt.rg+"|"+tt.name; !tt.wantErr && got != want {
			t.Errorf("ParseVaultID(%q): got %q; want %q", tt.in, got, want)
		}
	}
}

func TestWhoAmI(t *testing.T) {
	e := estate(t)
	p, err := client(t, e, planter).WhoAmI(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p, (Principal{ObjectID: planter.ObjectID, UPN: planter.UPN, AppID: planter.AppID, TenantID: kvemu.DefaultTenantID}); got != want {
		t.Errorf("got %+v; want %+v", got, want)
	}
	if !p.IsUser() || p.String() != planter.UPN {
		t.Errorf("a user: got IsUser %v, String %q", p.IsUser(), p.String())
	}
	p, err = client(t, e, app).WhoAmI(context.Background())
	if err != nil || p.IsUser() || p.String() != app.ObjectID {
		t.Errorf("an application: got %+v, %v", p, err)
	}
}

func TestAccessPolicyAddReplaceRemove(t *testing.T) {
	e := estate(t)
	c := client(t, e, planter)
	ctx := context.Background()
	v, _ := e.Vault("kv-data-dev")
	entry := AccessPolicy{TenantID: v.TenantID, ObjectID: app.ObjectID, Secrets: []string{"list", "set"}}
	if err := c.UpdateAccessPolicy(ctx, v.ID, PolicyAdd, entry); err != nil {
		t.Fatal(err)
	}
	got, _ := c.Vault(ctx, v.ID)
	if e, ok := got.EntryFor(Principal{ObjectID: app.ObjectID}); !ok || !Has(e.Secrets, "set") {
		t.Fatalf("after add: got %+v", got.AccessPolicies)
	}
	entry.Secrets = []string{"list"}
	if err := c.UpdateAccessPolicy(ctx, v.ID, PolicyReplace, entry); err != nil {
		t.Fatal(err)
	}
	got, _ = c.Vault(ctx, v.ID)
	if e, ok := got.EntryFor(Principal{ObjectID: app.ObjectID}); !ok || Has(e.Secrets, "set") {
		t.Fatalf("after replace: got %+v", got.AccessPolicies)
	}
	if err := c.UpdateAccessPolicy(ctx, v.ID, PolicyRemove, entry); err != nil {
		t.Fatal(err)
	}
	got, _ = c.Vault(ctx, v.ID)
	if _, ok := got.EntryFor(Principal{ObjectID: app.ObjectID}); ok {
		t.Fatalf("after remove: got %+v", got.AccessPolicies)
	}
}

func TestDataPlaneWithoutValues(t *testing.T) {
	e := estate(t)
	ctx := context.Background()
	for _, s := range []kvemu.SecretSeed{{Name: "db-password", Value: "x", ContentType: "text/plain", Tags: map[string]string{"owner": "ops"}}, {Name: "api-key", Value: "y"}, {Name: "old-token", Value: "z"}} {
		if _, err := e.SeedSecret("kv-app-prod", s); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.SeedKey("kv-app-prod", kvemu.KeySeed{Name: "signing", Type: "EC", Curve: "P-384"}); err != nil {
		t.Fatal(err)
	}
	c := client(t, e, planter)
	v, _ := c.Vault(ctx, registry.VaultID(sub1, "rg-app", "kv-app-prod"))
	vc, err := c.DataPlane(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := vc.Delete(ctx, registry.Secret, "old-token"); err != nil {
		t.Fatal(err)
	}
	secrets, err := vc.List(ctx, registry.Secret)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := names(secrets), "api-key,db-password"; got != want {
		t.Errorf("secrets: got %s; want %s", got, want)
	}
	if db := secrets[1]; db.ContentType != "text/plain" || db.Tags["owner"] != "ops" || !db.Enabled || db.Created.IsZero() {
		t.Errorf("metadata: got %+v", db)
	}
	deleted, err := vc.ListDeleted(ctx, registry.Secret)
	if err != nil || names(deleted) != "old-token" || !deleted[0].Deleted {
		t.Errorf("deleted: got %+v, %v", deleted, err)
	}

	o, err := vc.SetSecret(ctx, "smtp-password", "hunter2", SecretParams{ContentType: "password", Expires: time.Now().Add(48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Version) != 32 || o.Expires.IsZero() || !o.Enabled {
		t.Errorf("set: got %+v", o)
	}
	k, err := vc.CreateKey(ctx, "orders-signing", KeyParams{Type: "RSA", Size: 3072, Tags: map[string]string{"app": "orders"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(k.Version) != 32 || k.Tags["app"] != "orders" {
		t.Errorf("create key: got %+v", k)
	}
	ki, err := vc.KeyInfo(ctx, "orders-signing")
	if err != nil || ki != (KeyInfo{Type: "RSA", Size: 3072}) {
		t.Errorf("key info: got %+v, %v", ki, err)
	}
	ki, err = vc.KeyInfo(ctx, "signing")
	if err != nil || ki != (KeyInfo{Type: "EC", Curve: "P-384"}) {
		t.Errorf("key info: got %+v, %v", ki, err)
	}
	if err := vc.CreateCertificate(ctx, "orders-tls", CertificateParams{Subject: "CN=orders.contoso.com", DNSNames: []string{"orders.contoso.com"},
		Key: KeyParams{Type: "EC", Curve: "P-256"}, ValidityMonths: 12, ContentType: "application/x-pem-file"}); err != nil {
		t.Fatal(err)
	}
	certs, err := vc.List(ctx, registry.Certificate)
	if err != nil || names(certs) != "orders-tls" || len(certs[0].Thumbprint) != 40 {
		t.Errorf("certificates: got %+v, %v", certs, err)
	}
	keys, _ := vc.List(ctx, registry.Key)
	for _, k := range keys {
		if k.Name == "orders-tls" && !k.Managed {
			t.Errorf("a certificate's key is managed: got %+v", k)
		}
	}
	if err := vc.Delete(ctx, registry.Certificate, "orders-tls"); err != nil {
		t.Fatal(err)
	}
	if err := vc.Purge(ctx, registry.Certificate, "orders-tls"); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := e.Object("kv-app-prod", kvemu.TypeCertificate, "orders-tls"); found {
		t.Errorf("purged certificate still there")
	}
}

func TestErrorsCarryStatusAndAdvice(t *testing.T) {
	e := estate(t)
	ctx := context.Background()
	c := client(t, e, app)
	v, _ := c.Vault(ctx, registry.VaultID(sub1, "rg-app", "kv-app-rbac"))
	vc, _ := c.DataPlane(v)
	_, err := vc.List(ctx, registry.Secret)
	if !IsForbidden(err) || Definite(err) != true {
		t.Fatalf("got %v; want a definite 403", err)
	}
	if got, want := ErrorCode(err), "Forbidden"; got != want || !strings.Contains(err.Error(), "ForbiddenByRbac") {
		t.Errorf("code: got %q in %v; want %q with ForbiddenByRbac inside", got, err, want)
	}
	if err := vc.Delete(ctx, registry.Secret, "nope"); !IsForbidden(err) {
		t.Errorf("got %v; want 403", err)
	}
	if Definite(errors.New("connection reset")) || StatusCode(errors.New("x")) != 0 {
		t.Errorf("a network error is not definite")
	}
}

func TestRetryAfterHeader(t *testing.T) {
	now := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		h    map[string]string
		want time.Duration
	}{
		{h: map[string]string{"Retry-After": "7"}, want: 7 * time.Second},
		{h: map[string]string{"Retry-After": "7", "x-ms-retry-after-ms": "250"}, want: 250 * time.Millisecond},
		{h: map[string]string{"retry-after-ms": "10"}, want: 10 * time.Millisecond},
		{h: map[string]string{"Retry-After": now.Add(90 * time.Second).Format(http.TimeFormat)}, want: 90 * time.Second},
		{h: map[string]string{"Retry-After": "soon"}, want: 0},
		{h: map[string]string{"Retry-After": "-3"}, want: 0},
		{h: nil, want: 0},
	}
	for _, tt := range tests {
		h := http.Header{}
		for k, v := range tt.h {
			h.Set(k, v)
		}
		if got := RetryAfterHeader(h, now); got != tt.want {
			t.Errorf("%v: got %v; want %v", tt.h, got, tt.want)
		}
	}
}

func TestNewCredentialChoosesFromSettings(t *testing.T) {
	tests := []struct {
		name    string
		s       IdentitySettings
		wantErr string
	}{
		{name: "default", s: IdentitySettings{}},
		{name: "secret", s: IdentitySettings{TenantID: "t", ClientID: "c", ClientSecret: "s"}},
		{name: "secret without tenant", s: IdentitySettings{ClientID: "c", ClientSecret: "s"}, wantErr: "tenant id"},
		{name: "both", s: IdentitySettings{TenantID: "t", ClientID: "c", ClientSecret: "s", CertificateFile: "f"}, wantErr: "not both"},
		{name: "missing certificate", s: IdentitySettings{TenantID: "t", ClientID: "c", CertificateFile: "/nonexistent.pem"}, wantErr: "no such file"},
		{name: "managed", s: IdentitySettings{ManagedIdentity: true, ClientID: "c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewCredential(tt.s, Options{}.ClientOptions)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("got %v; want none", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("got %v; want an error mentioning %q", err, tt.wantErr)
			}
		})
	}
}

func TestPrincipalOfRejectsNonTokens(t *testing.T) {
	for _, tok := range []string{"", "abc", "a.b.c", "a.e30.c"} {
		if _, err := principalOf(tok); err == nil {
			t.Errorf("principalOf(%q) succeeded", tok)
		}
	}
}

func names(objs []Object) string {
	var out []string
	for _, o := range objs {
		out = append(out, o.Name)
	}
	slices.Sort(out)
	return strings.Join(out, ",")
}
