package kvemu

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// TestLifecycleAuditIDs pins properties.id and properties.requestUri of the
// delete, get-deleted, recover and purge records, which detection keys on.
// The emulator's current ids (lifecycle.go), on success only:
//   - SecretDelete: the latest version's id (/secrets/{name}/{version});
//     KeyDelete, CertificateDelete: the object's id, without a version;
//   - *GetDeleted and *Purge: the recovery id (/deleted{kind}s/{name});
//   - *Recover: the latest version's id.
//
// Ids carry the name as first created; requestUri carries it as sent.
func TestLifecycleAuditIDs(t *testing.T) {
	env := newTestEnv(t, Options{ReuseRSAKeys: true})
	for _, k := range lcKinds {
		t.Run(k.typ, func(t *testing.T) {
			ctx := ctxT(t)
			created := "Audit-" + k.op // the stored spelling
			sent := strings.ToLower(created)
			versioned := k.seed(t, env, apVault, created)
			if !strings.HasPrefix(versioned, vaultPath(apVault, k.path, created)+"/") {
				t.Fatalf("seeded id %q has no version", versioned)
			}
			deleteID := vaultPath(apVault, k.path, created)
			if k.typ == TypeSecret {
				deleteID = versioned
			}
			recovery := vaultPath(apVault, k.collection, created)
			uri := func(parts ...string) string {
				return vaultPath(apVault, parts...) + "?api-version=" + k.apiVersion
			}
			ops := k.ops(t, env, apVault, admin)
			getDeleted := func(ctx context.Context, n string) error { _, err := ops.getDeleted(ctx, n); return err }

			steps := []struct {
				op     string // after the kind's prefix
				call   func(context.Context, string) error
				name   string
				status int
				id     string
				uri    string
			}{
				{"Delete", ops.del, sent, http.StatusOK, deleteID, uri(k.path, sent)},
				{"GetDeleted", getDeleted, sent, http.StatusOK, recovery, uri(k.collection, sent)},
				{"Recover", ops.recover, sent, http.StatusOK, versioned, uri(k.collection, sent, "recover")},
				{"Delete", ops.del, created, http.StatusOK, deleteID, uri(k.path, created)},
				{"Purge", ops.purge, sent, http.StatusNoContent, recovery, uri(k.collection, sent)},
				// Failures name no object.
				{"Purge", ops.purge, sent, http.StatusNotFound, "", uri(k.collection, sent)},
				{"Recover", ops.recover, sent, http.StatusNotFound, "", uri(k.collection, sent, "recover")},
				{"GetDeleted", getDeleted, sent, http.StatusNotFound, "", uri(k.collection, sent)},
				{"Delete", ops.del, sent, http.StatusNotFound, "", uri(k.path, sent)},
			}
			for i, st := range steps {
				err := st.call(ctx, st.name)
				if (err == nil) != (st.status < 300) || (err != nil && !isStatus(err, st.status, k.op+"NotFound")) {
					t.Fatalf("step %d %s%s: got %v; want status %d", i, k.op, st.op, err, st.status)
				}
				rec := env.lastAudit(t, k.op+st.op)
				if got, want := rec.Properties.HTTPStatusCode, st.status; got != want {
					t.Errorf("step %d %s%s httpStatusCode: got %d; want %d", i, k.op, st.op, got, want)
				}
				if got, want := rec.Properties.ID, st.id; got != want {
					t.Errorf("step %d %s%s properties.id: got %q; want %q", i, k.op, st.op, got, want)
				}
				if got, want := rec.Properties.RequestURI, st.uri; got != want {
					t.Errorf("step %d %s%s requestUri: got %q; want %q", i, k.op, st.op, got, want)
				}
			}
		})
	}
}
