package kvemu

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// innerCode is error.innererror.code of an Azure response error's body:
// where Key Vault says why it refused (the SDK's ErrorCode is only the
// outer code, such as "Forbidden").
func innerCode(t *testing.T, err error) string {
	t.Helper()
	var re *azcore.ResponseError
	if !errors.As(err, &re) || re.RawResponse == nil {
		return ""
	}
	b, rerr := io.ReadAll(re.RawResponse.Body) // the SDK buffered it
	if rerr != nil {
		t.Fatal(rerr)
	}
	var body errorBody
	if json.Unmarshal(b, &body) != nil || body.Error.InnerError == nil {
		return ""
	}
	return body.Error.InnerError.Code
}

// TestPurgeProtection checks a vault with purge protection refuses to purge
// a deleted secret, key or certificate the way Key Vault does, logs the
// attempt without an object id, and keeps the object recoverable.
func TestPurgeProtection(t *testing.T) {
	env := newTestEnv(t, Options{ReuseRSAKeys: true})
	const vault = "kv-locked"
	if _, err := env.e.CreateVault(VaultSpec{
		SubscriptionID: testSub, ResourceGroup: testRG, Name: vault, PurgeProtection: true,
		AccessPolicies: []AccessPolicy{{TenantID: DefaultTenantID, ObjectID: admin.ObjectID, Permissions: Permissions{
			Keys: []string{"all"}, Secrets: []string{"all"}, Certificates: []string{"all"},
		}}},
	}); err != nil {
		t.Fatal(err)
	}
	if err := env.e.SetDiagnosticSetting(vault, DiagnosticSetting{
		Name: diagSettingN, StorageAccountID: logsStorage, Logs: []LogSettings{{CategoryGroup: "audit", Enabled: true}},
	}); err != nil {
		t.Fatal(err)
	}
	for _, k := range lcKinds {
		t.Run(k.typ, func(t *testing.T) {
			ctx := ctxT(t)
			name := "locked-" + k.typ
			k.seed(t, env, vault, name)
			ops := k.ops(t, env, vault, admin)
			if err := ops.del(ctx, name); err != nil {
				t.Fatalf("delete: %v", err)
			}
			err := ops.purge(ctx, name)
			if !isStatus(err, http.StatusForbidden, "Forbidden") {
				t.Fatalf("purge: got %v; want 403 Forbidden", err)
			}
			if got, want := innerCode(t, err), "PurgeProtectionEnabled"; got != want {
				t.Errorf("innererror.code: got %q; want %q", got, want)
			}

			rec := env.lastAudit(t, k.op+"Purge")
			if got, want := rec.Properties.HTTPStatusCode, http.StatusForbidden; got != want {
				t.Errorf("audit httpStatusCode: got %d; want %d", got, want)
			}
			if got, want := rec.ResultSignature, "Forbidden"; got != want {
				t.Errorf("audit resultSignature: got %q; want %q", got, want)
			}
			if got := rec.Properties.ID; got != "" {
				t.Errorf("audit properties.id of a refused purge: got %q; want none", got)
			}
			if got, want := rec.Properties.RequestURI, vaultPath(vault, k.collection, name)+"?api-version="+k.apiVersion; got != want {
				t.Errorf("audit requestUri: got %q; want %q", got, want)
			}
			if !strings.Contains(rec.ResultDescription, "purge protection") {
				t.Errorf("audit resultDescription %q does not say why", rec.ResultDescription)
			}
			// The caller had the purge permission: the vault, not the
			// access policy, refused.
			if m := rec.Properties.IsAccessPolicyMatch; m == nil || !*m {
				t.Errorf("audit isAccessPolicyMatch: got %v; want true", m)
			}
			if got, want := rec.Identity.Claim["oid"], admin.ObjectID; got != want {
				t.Errorf("audit oid: got %q; want %q", got, want)
			}

			// Nothing was purged: the object (and a certificate's key and
			// secret) stays deleted, and can still be recovered.
			if _, err := ops.getDeleted(ctx, name); err != nil {
				t.Errorf("get deleted after refused purge: %v", err)
			}
			for _, typ := range []string{k.typ, TypeKey, TypeSecret} {
				if k.typ != TypeCertificate && typ != k.typ {
					continue
				}
				if o, ok, _ := env.e.Object(vault, typ, name); !ok || !o.Deleted {
					t.Errorf("%s %s after refused purge: found %v, %+v; want soft-deleted", typ, name, ok, o)
				}
			}
			if err := ops.recover(ctx, name); err != nil {
				t.Errorf("recover under purge protection: %v", err)
			}
			if err := ops.get(ctx, name); err != nil {
				t.Errorf("get after recover: %v", err)
			}
		})
	}
}

// liveTwin makes a live object of type typ named name while an object of
// that name is soft-deleted. Key Vault's API refuses to create such a name
// (409 ObjectIsDeletedButRecoverable), so the state recover guards against
// (in Azure, a create racing a delete) is built by seeding another name
// and renaming it under the vault's lock.
func (env *testEnv) liveTwin(t *testing.T, vault, typ, name string) {
	t.Helper()
	twin := name + "-twin"
	kindOf(t, typ).seed(t, env, vault, twin)
	v, ok := env.e.lookupVault(vault)
	if !ok {
		t.Fatalf("no vault %s", vault)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	from, to := strings.ToLower(twin), strings.ToLower(name)
	moveSecret := func() { s := v.secrets[from]; delete(v.secrets, from); s.name = name; v.secrets[to] = s }
	moveKey := func() { k := v.keys[from]; delete(v.keys, from); k.name = name; v.keys[to] = k }
	switch typ {
	case TypeSecret:
		moveSecret()
	case TypeKey:
		moveKey()
	case TypeCertificate:
		co := v.certs[from]
		delete(v.certs, from)
		co.name = name
		v.certs[to] = co
		moveKey()
		moveSecret()
	}
}

func kindOf(t *testing.T, typ string) lcKind {
	t.Helper()
	for _, k := range lcKinds {
		if k.typ == typ {
			return k
		}
	}
	t.Fatalf("no kind %q", typ)
	return lcKind{}
}

// TestRecoverConflict checks recovering a deleted object while a live one
// of its name exists answers 409 Conflict, logs no id and moves nothing.
func TestRecoverConflict(t *testing.T) {
	scenarios := []struct {
		name    string
		deleted string   // the kind deleted and recovered
		live    string   // the kind of the live object of the same name
		unmoved []string // linked kinds that must stay deleted
	}{
		{name: "secret", deleted: TypeSecret, live: TypeSecret},
		{name: "key", deleted: TypeKey, live: TypeKey},
		{name: "certificate", deleted: TypeCertificate, live: TypeCertificate},
		// A certificate recovers with its key and secret, so a live key of
		// its name blocks it too, and its secret must not come back alone.
		{name: "certificate over a live key", deleted: TypeCertificate, live: TypeKey, unmoved: []string{TypeSecret}},
	}
	env := newTestEnv(t, Options{ReuseRSAKeys: true})
	for i, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			ctx := ctxT(t)
			name := "clash-" + itoa(i)
			k := kindOf(t, sc.deleted)
			k.seed(t, env, apVault, name)
			ops := k.ops(t, env, apVault, admin)
			if err := ops.del(ctx, name); err != nil {
				t.Fatalf("delete: %v", err)
			}
			env.liveTwin(t, apVault, sc.live, name)

			if err := ops.recover(ctx, name); !isStatus(err, http.StatusConflict, "Conflict") {
				t.Fatalf("recover: got %v; want 409 Conflict", err)
			}
			rec := env.lastAudit(t, k.op+"Recover")
			if got, want := rec.Properties.HTTPStatusCode, http.StatusConflict; got != want {
				t.Errorf("audit httpStatusCode: got %d; want %d", got, want)
			}
			if got := rec.Properties.ID; got != "" {
				t.Errorf("audit properties.id of a failed recover: got %q; want none", got)
			}
			if _, err := ops.getDeleted(ctx, name); err != nil {
				t.Errorf("the deleted %s is gone after the failed recover: %v", sc.deleted, err)
			}
			if err := kindOf(t, sc.live).ops(t, env, apVault, admin).get(ctx, name); err != nil {
				t.Errorf("the live %s is gone after the failed recover: %v", sc.live, err)
			}
			for _, typ := range sc.unmoved {
				if _, err := kindOf(t, typ).ops(t, env, apVault, admin).getDeleted(ctx, name); err != nil {
					t.Errorf("the certificate's %s left the deleted collection: %v", typ, err)
				}
			}
		})
	}
}

// TestDeletedGetAndList gets one deleted object and pages the deleted
// collection with the client's maxresults, for each kind.
func TestDeletedGetAndList(t *testing.T) {
	for _, k := range lcKinds {
		t.Run(k.typ, func(t *testing.T) {
			// A default page larger than the collection, so only maxresults
			// (and its survival in nextLink) can split it.
			env := newTestEnv(t, Options{PageSize: 25, ReuseRSAKeys: true})
			ctx := ctxT(t)
			ops := k.ops(t, env, apVault, admin)
			names := []string{"del-0", "del-1", "Del-2", "del-3", "del-4"}
			for _, n := range names {
				k.seed(t, env, apVault, n)
				if err := ops.del(ctx, n); err != nil {
					t.Fatalf("delete %s: %v", n, err)
				}
			}
			k.seed(t, env, apVault, "keep")
			deletedAt := env.clk.Now().Truncate(time.Second)

			got, err := ops.getDeleted(ctx, "DEL-2")
			if err != nil {
				t.Fatalf("get deleted: %v", err)
			}
			if want := (deletedInfo{
				name: "Del-2", recoveryID: vaultPath(apVault, k.collection, "Del-2"),
				deleted: deletedAt, purgeAt: deletedAt.Add(90 * 24 * time.Hour), hasDeleted: true, hasPurge: true,
			}); !got.deleted.Equal(want.deleted) || !got.purgeAt.Equal(want.purgeAt) || got.name != want.name ||
				got.recoveryID != want.recoveryID || !got.hasDeleted || !got.hasPurge {
				t.Errorf("get deleted:\n got %+v\nwant %+v", got, want)
			}
			notFound := k.op + "NotFound"
			for _, n := range []string{"keep", "never-was"} {
				if _, err := ops.getDeleted(ctx, n); !isStatus(err, http.StatusNotFound, notFound) {
					t.Errorf("get deleted %s: got %v; want 404 %s", n, err, notFound)
				}
			}
			if got, want := env.lastAudit(t, k.op+"GetDeleted").Properties.ID, ""; got != want {
				t.Errorf("audit id of a failed get-deleted: got %q; want none", got)
			}

			var seen []string
			pages, err := k.ops(t, env, apVault, admin, maxResults{n: 2, seen: &seen}).listDeleted(ctx)
			if err != nil {
				t.Fatalf("list deleted: %v", err)
			}
			var sizes, listed []string
			for _, p := range pages {
				sizes = append(sizes, itoa(len(p)))
				for _, it := range p {
					listed = append(listed, it.name)
					if got, want := it.recoveryID, vaultPath(apVault, k.collection, it.name); got != want {
						t.Errorf("item recoveryId: got %q; want %q", got, want)
					}
					if !it.deleted.Equal(deletedAt) || !it.hasPurge {
						t.Errorf("item %s dates: deleted %v, purge set %v", it.name, it.deleted, it.hasPurge)
					}
				}
			}
			if got, want := strings.Join(sizes, ","), "2,2,1"; got != want {
				t.Errorf("page sizes: got %s; want %s (requests %q)", got, want, seen)
			}
			if got, want := strings.Join(listed, ","), strings.Join(names, ","); got != want {
				t.Errorf("listed: got %s; want %s", got, want)
			}
			if got, want := len(seen), 3; got != want {
				t.Errorf("list requests: got %d; want %d", got, want)
			}
			for i, raw := range seen {
				u, err := url.Parse(raw)
				if err != nil {
					t.Fatal(err)
				}
				q := u.Query()
				if q.Get("maxresults") != "2" || (i > 0) != q.Has("$skiptoken") {
					t.Errorf("request %d %s: want maxresults=2, and $skiptoken after the first", i, raw)
				}
			}
			rec := env.lastAudit(t, k.op+"ListDeleted")
			if got, want := rec.Properties.HTTPStatusCode, http.StatusOK; got != want {
				t.Errorf("audit list status: got %d; want %d", got, want)
			}

			for _, n := range []int{0, 26} {
				_, err := k.ops(t, env, apVault, admin, maxResults{n: n, seen: new([]string)}).listDeleted(ctx)
				if !isStatus(err, http.StatusBadRequest, "BadParameter") {
					t.Errorf("maxresults=%d: got %v; want 400 BadParameter", n, err)
				}
			}
		})
	}
}
