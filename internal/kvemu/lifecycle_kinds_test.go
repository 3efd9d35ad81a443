package kvemu

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
)

// The soft-delete lifecycle runs alike for secrets, keys and certificates,
// so its tests run one table over the three kinds, each driving its own
// SDK client.

// deletedInfo is what a get-deleted or list-deleted item says.
type deletedInfo struct {
	name, recoveryID     string
	deleted, purgeAt     time.Time
	hasDeleted, hasPurge bool
}

// lcOps are one kind's soft-delete calls through its SDK client.
type lcOps struct {
	del, recover, purge, get func(ctx context.Context, name string) error
	getDeleted               func(ctx context.Context, name string) (deletedInfo, error)
	listDeleted              func(ctx context.Context) ([][]deletedInfo, error) // one slice per page
}

// lcKind is one object kind under test.
type lcKind struct {
	typ        string // TypeSecret, TypeKey, TypeCertificate
	op         string // operationName prefix: "Secret", "Key", "Certificate"
	path       string // the live collection: "secrets"
	collection string // the deleted collection: "deletedsecrets"
	apiVersion string // what this kind's SDK client sends
	// seed puts an object into the vault and returns its latest version's id.
	seed func(t *testing.T, env *testEnv, vault, name string) string
	// ops makes a client for vault as id; extra policies run per call.
	ops func(t *testing.T, env *testEnv, vault string, id Identity, extra ...policy.Policy) lcOps
}

var lcKinds = []lcKind{
	{
		typ: TypeSecret, op: "Secret", path: "secrets", collection: "deletedsecrets", apiVersion: "2026-04-01",
		seed: func(t *testing.T, env *testEnv, vault, name string) string {
			t.Helper()
			id, err := env.e.SeedSecret(vault, SecretSeed{Name: name, Value: "decoy-value"})
			if err != nil {
				t.Fatal(err)
			}
			return id
		},
		ops: secretOps,
	},
	{
		typ: TypeKey, op: "Key", path: "keys", collection: "deletedkeys", apiVersion: "2025-07-01",
		seed: func(t *testing.T, env *testEnv, vault, name string) string {
			t.Helper()
			kid, err := env.e.SeedKey(vault, KeySeed{Name: name, Type: "EC"}) // EC: fast to generate
			if err != nil {
				t.Fatal(err)
			}
			return kid
		},
		ops: keyOps,
	},
	{
		typ: TypeCertificate, op: "Certificate", path: "certificates", collection: "deletedcertificates", apiVersion: "2025-07-01",
		seed: func(t *testing.T, env *testEnv, vault, name string) string {
			t.Helper()
			if _, err := env.e.SeedCertificate(vault, CertificateSeed{Name: name, Subject: "CN=" + name, KeyType: "EC"}); err != nil {
				t.Fatal(err)
			}
			// SeedCertificate answers the id without a version; the version
			// is the certificate's key's (they share it).
			o, err := env.certs(t, vault, admin).GetCertificate(context.Background(), name, "", nil)
			if err != nil {
				t.Fatal(err)
			}
			return string(*o.ID)
		},
		ops: certOps,
	},
}

// withPolicies is the emulator's client options plus extra per-call
// policies.
func (env *testEnv) withPolicies(extra []policy.Policy) azcore.ClientOptions {
	o := env.clientOptions()
	o.PerCallPolicies = append(append([]policy.Policy(nil), o.PerCallPolicies...), extra...)
	return o
}

func secretOps(t *testing.T, env *testEnv, vault string, id Identity, extra ...policy.Policy) lcOps {
	t.Helper()
	c, err := azsecrets.NewClient(env.e.VaultURL(vault), env.e.Credential(id), &azsecrets.ClientOptions{ClientOptions: env.withPolicies(extra)})
	if err != nil {
		t.Fatal(err)
	}
	info := func(id *azsecrets.ID, rid *string, dd, sp *time.Time) deletedInfo {
		return deletedInfo{name: id.Name(), recoveryID: deref(rid), deleted: derefTime(dd), purgeAt: derefTime(sp), hasDeleted: dd != nil, hasPurge: sp != nil}
	}
	return lcOps{
		del:     func(ctx context.Context, n string) error { _, err := c.DeleteSecret(ctx, n, nil); return err },
		recover: func(ctx context.Context, n string) error { _, err := c.RecoverDeletedSecret(ctx, n, nil); return err },
		purge:   func(ctx context.Context, n string) error { _, err := c.PurgeDeletedSecret(ctx, n, nil); return err },
		get:     func(ctx context.Context, n string) error { _, err := c.GetSecret(ctx, n, "", nil); return err },
		getDeleted: func(ctx context.Context, n string) (deletedInfo, error) {
			r, err := c.GetDeletedSecret(ctx, n, nil)
			if err != nil {
				return deletedInfo{}, err
			}
			return info(r.ID, r.RecoveryID, r.DeletedDate, r.ScheduledPurgeDate), nil
		},
		listDeleted: func(ctx context.Context) ([][]deletedInfo, error) {
			var pages [][]deletedInfo
			for p := c.NewListDeletedSecretPropertiesPager(nil); p.More(); {
				page, err := p.NextPage(ctx)
				if err != nil {
					return pages, err
				}
				var items []deletedInfo
				for _, it := range page.Value {
					items = append(items, info(it.ID, it.RecoveryID, it.DeletedDate, it.ScheduledPurgeDate))
				}
				pages = append(pages, items)
			}
			return pages, nil
		},
	}
}

func keyOps(t *testing.T, env *testEnv, vault string, id Identity, extra ...policy.Policy) lcOps {
	t.Helper()
	c, err := azkeys.NewClient(env.e.VaultURL(vault), env.e.Credential(id), &azkeys.ClientOptions{ClientOptions: env.withPolicies(extra)})
	if err != nil {
		t.Fatal(err)
	}
	info := func(id *azkeys.ID, rid *string, dd, sp *time.Time) deletedInfo {
		return deletedInfo{name: id.Name(), recoveryID: deref(rid), deleted: derefTime(dd), purgeAt: derefTime(sp), hasDeleted: dd != nil, hasPurge: sp != nil}
	}
	return lcOps{
		del:     func(ctx context.Context, n string) error { _, err := c.DeleteKey(ctx, n, nil); return err },
		recover: func(ctx context.Context, n string) error { _, err := c.RecoverDeletedKey(ctx, n, nil); return err },
		purge:   func(ctx context.Context, n string) error { _, err := c.PurgeDeletedKey(ctx, n, nil); return err },
		get:     func(ctx context.Context, n string) error { _, err := c.GetKey(ctx, n, "", nil); return err },
		getDeleted: func(ctx context.Context, n string) (deletedInfo, error) {
			r, err := c.GetDeletedKey(ctx, n, nil)
			if err != nil {
				return deletedInfo{}, err
			}
			return info(r.Key.KID, r.RecoveryID, r.DeletedDate, r.ScheduledPurgeDate), nil
		},
		listDeleted: func(ctx context.Context) ([][]deletedInfo, error) {
			var pages [][]deletedInfo
			for p := c.NewListDeletedKeyPropertiesPager(nil); p.More(); {
				page, err := p.NextPage(ctx)
				if err != nil {
					return pages, err
				}
				var items []deletedInfo
				for _, it := range page.Value {
					items = append(items, info(it.KID, it.RecoveryID, it.DeletedDate, it.ScheduledPurgeDate))
				}
				pages = append(pages, items)
			}
			return pages, nil
		},
	}
}

func certOps(t *testing.T, env *testEnv, vault string, id Identity, extra ...policy.Policy) lcOps {
	t.Helper()
	c, err := azcertificates.NewClient(env.e.VaultURL(vault), env.e.Credential(id), &azcertificates.ClientOptions{ClientOptions: env.withPolicies(extra)})
	if err != nil {
		t.Fatal(err)
	}
	info := func(id *azcertificates.ID, rid *string, dd, sp *time.Time) deletedInfo {
		return deletedInfo{name: id.Name(), recoveryID: deref(rid), deleted: derefTime(dd), purgeAt: derefTime(sp), hasDeleted: dd != nil, hasPurge: sp != nil}
	}
	return lcOps{
		del: func(ctx context.Context, n string) error { _, err := c.DeleteCertificate(ctx, n, nil); return err },
		recover: func(ctx context.Context, n string) error {
			_, err := c.RecoverDeletedCertificate(ctx, n, nil)
			return err
		},
		purge: func(ctx context.Context, n string) error {
			_, err := c.PurgeDeletedCertificate(ctx, n, nil)
			return err
		},
		get: func(ctx context.Context, n string) error { _, err := c.GetCertificate(ctx, n, "", nil); return err },
		getDeleted: func(ctx context.Context, n string) (deletedInfo, error) {
			r, err := c.GetDeletedCertificate(ctx, n, nil)
			if err != nil {
				return deletedInfo{}, err
			}
			return info(r.ID, r.RecoveryID, r.DeletedDate, r.ScheduledPurgeDate), nil
		},
		listDeleted: func(ctx context.Context) ([][]deletedInfo, error) {
			var pages [][]deletedInfo
			for p := c.NewListDeletedCertificatePropertiesPager(nil); p.More(); {
				page, err := p.NextPage(ctx)
				if err != nil {
					return pages, err
				}
				var items []deletedInfo
				for _, it := range page.Value {
					items = append(items, info(it.ID, it.RecoveryID, it.DeletedDate, it.ScheduledPurgeDate))
				}
				pages = append(pages, items)
			}
			return pages, nil
		},
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func derefTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// maxResults is a per-call policy that sends maxresults=n on a list's
// first request, as a client that chooses its page size does (the Go SDK
// has no option for it). Later pages follow nextLink untouched, so a page
// size that holds proves the emulator carried maxresults into nextLink.
type maxResults struct {
	n    int
	seen *[]string // every list request's URL, in order
}

func (m maxResults) Do(req *policy.Request) (*http.Response, error) {
	u := req.Raw().URL
	// Only list-deleted requests: GET /deletedsecrets, not /deletedsecrets/{name}.
	if req.Raw().Method == http.MethodGet && strings.HasPrefix(strings.ToLower(u.Path), "/deleted") && strings.Count(u.Path, "/") == 1 {
		q := u.Query()
		if q.Get("$skiptoken") == "" {
			q.Set("maxresults", strconv.Itoa(m.n))
			u.RawQuery = q.Encode()
		}
		*m.seen = append(*m.seen, u.String())
	}
	return req.Next()
}

// vaultPath is https://{vault}.vault.azure.net/{path}/{name}.
func vaultPath(vault string, parts ...string) string {
	return "https://" + vault + ".vault.azure.net/" + strings.Join(parts, "/")
}
