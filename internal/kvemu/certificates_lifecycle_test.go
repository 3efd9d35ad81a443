package kvemu

import (
	"net/http"
	"testing"
)

// TestCertificateLinkedObjects checks a certificate's key and secret (same
// name) live and die with it: they cannot be deleted on their own, and the
// certificate's delete, recover and purge move all three.
func TestCertificateLinkedObjects(t *testing.T) {
	env := newTestEnv(t, Options{ReuseRSAKeys: true})
	ctx := ctxT(t)
	const name = "tls-decoy"
	cert := kindOf(t, TypeCertificate)
	cert.seed(t, env, apVault, name)
	certs := cert.ops(t, env, apVault, admin)
	all := []struct {
		typ string
		k   lcKind
		ops lcOps
	}{
		{TypeCertificate, cert, certs},
		{TypeKey, kindOf(t, TypeKey), keyOps(t, env, apVault, admin)},
		{TypeSecret, kindOf(t, TypeSecret), secretOps(t, env, apVault, admin)},
	}
	linked := all[1:]

	for _, o := range linked {
		err := o.ops.del(ctx, name)
		if !isStatus(err, http.StatusForbidden, "Forbidden") {
			t.Errorf("delete the certificate's %s: got %v; want 403 Forbidden", o.typ, err)
		}
		if got, want := innerCode(t, err), "ManagedObjectOperationNotAllowed"; got != want {
			t.Errorf("delete the certificate's %s: innererror.code %q; want %q", o.typ, got, want)
		}
		rec := env.lastAudit(t, o.k.op+"Delete")
		if rec.Properties.HTTPStatusCode != http.StatusForbidden || rec.Properties.ID != "" {
			t.Errorf("audit of the refused %s delete: status %d, id %q; want 403 and no id", o.typ, rec.Properties.HTTPStatusCode, rec.Properties.ID)
		}
		if err := o.ops.get(ctx, name); err != nil {
			t.Errorf("the certificate's %s after a refused delete: %v", o.typ, err)
		}
	}

	// wantState checks where all three are: live (get works, get-deleted
	// is 404), deleted (the reverse) or purged (both 404).
	wantState := func(step string, live, deleted bool) {
		t.Helper()
		for _, o := range all {
			err := o.ops.get(ctx, name)
			if live != (err == nil) {
				t.Errorf("%s: get %s: %v (want live %v)", step, o.typ, err, live)
			}
			if !live && !isStatus(err, http.StatusNotFound, o.k.op+"NotFound") {
				t.Errorf("%s: get %s: got %v; want 404 %sNotFound", step, o.typ, err, o.k.op)
			}
			d, err := o.ops.getDeleted(ctx, name)
			if deleted != (err == nil) {
				t.Errorf("%s: get deleted %s: %v (want deleted %v)", step, o.typ, err, deleted)
			}
			if deleted && d.recoveryID != vaultPath(apVault, o.k.collection, name) {
				t.Errorf("%s: deleted %s recoveryId %q", step, o.typ, d.recoveryID)
			}
			if !deleted && !isStatus(err, http.StatusNotFound, o.k.op+"NotFound") {
				t.Errorf("%s: get deleted %s: got %v; want 404 %sNotFound", step, o.typ, err, o.k.op)
			}
		}
	}

	if err := certs.del(ctx, name); err != nil {
		t.Fatalf("delete certificate: %v", err)
	}
	wantState("after delete", false, true)
	// The key and secret are listed among the deleted ones too.
	for _, o := range linked {
		pages, err := o.ops.listDeleted(ctx)
		if err != nil {
			t.Fatalf("list deleted %ss: %v", o.typ, err)
		}
		var found bool
		for _, p := range pages {
			for _, it := range p {
				found = found || it.name == name
			}
		}
		if !found {
			t.Errorf("the certificate's %s is not among the deleted %ss", o.typ, o.typ)
		}
	}

	if err := certs.recover(ctx, name); err != nil {
		t.Fatalf("recover certificate: %v", err)
	}
	wantState("after recover", true, false)

	if err := certs.del(ctx, name); err != nil {
		t.Fatalf("delete certificate again: %v", err)
	}
	if err := certs.purge(ctx, name); err != nil {
		t.Fatalf("purge certificate: %v", err)
	}
	wantState("after purge", false, false)
	objs, err := env.e.Objects(apVault)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if o.Name == name {
			t.Errorf("after purge the vault still holds %s %s", o.Type, o.Name)
		}
	}
}
