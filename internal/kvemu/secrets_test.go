package kvemu

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
)

func TestSecretLifecycleWithSDK(t *testing.T) {
	env := newTestEnv(t, Options{})
	ctx := ctxT(t)
	c := env.secrets(t, apVault, admin)

	set1, err := c.SetSecret(ctx, "db-password", azsecrets.SetSecretParameters{Value: ptr("s3cr3t-1"), ContentType: ptr("text/plain"), Tags: map[string]*string{"owner": ptr("team-a")}}, nil)
	if err != nil {
		t.Fatalf("SetSecret: %v", err)
	}
	if got, want := set1.ID.Name(), "db-password"; got != want {
		t.Errorf("name: got %q; want %q", got, want)
	}
	if got := set1.ID.Version(); len(got) != 32 {
		t.Errorf("version %q is not 32 hex digits", got)
	}
	set2, err := c.SetSecret(ctx, "DB-Password", azsecrets.SetSecretParameters{Value: ptr("s3cr3t-2")}, nil)
	if err != nil {
		t.Fatalf("SetSecret again: %v", err)
	}
	if got, want := set2.ID.Name(), "db-password"; got != want {
		t.Errorf("names are case-insensitive and keep the first spelling: got %q; want %q", got, want)
	}

	latest, err := c.GetSecret(ctx, "db-password", "", nil)
	if err != nil {
		t.Fatalf("GetSecret latest: %v", err)
	}
	if got, want := *latest.Value, "s3cr3t-2"; got != want {
		t.Errorf("latest value: got %q; want %q", got, want)
	}
	old, err := c.GetSecret(ctx, "db-password", set1.ID.Version(), nil)
	if err != nil {
		t.Fatalf("GetSecret version: %v", err)
	}
	if got, want := *old.Value, "s3cr3t-1"; got != want {
		t.Errorf("old value: got %q; want %q", got, want)
	}

	upd, err := c.UpdateSecretProperties(ctx, "db-password", set2.ID.Version(), azsecrets.UpdateSecretPropertiesParameters{
		ContentType: ptr("application/json"), Tags: map[string]*string{"rotated": ptr("yes")},
	}, nil)
	if err != nil {
		t.Fatalf("UpdateSecretProperties: %v", err)
	}
	if got, want := *upd.ContentType, "application/json"; got != want {
		t.Errorf("content type: got %q; want %q", got, want)
	}
	if upd.Value != nil {
		t.Errorf("update returned the value")
	}

	for i := range 4 {
		if _, err := c.SetSecret(ctx, "other-"+itoa(i), azsecrets.SetSecretParameters{Value: ptr("v")}, nil); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	pages := 0
	for p := c.NewListSecretPropertiesPager(nil); p.More(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		pages++
		for _, s := range page.Value {
			if s.ID.Version() != "" {
				t.Errorf("list item id %s carries a version", *s.ID)
			}
			names = append(names, s.ID.Name())
		}
	}
	if got, want := strings.Join(names, ","), "db-password,other-0,other-1,other-2,other-3"; got != want {
		t.Errorf("list: got %q; want %q", got, want)
	}
	if got, want := pages, 3; got != want {
		t.Errorf("pages: got %d; want %d", got, want)
	}
	var versions int
	for p := c.NewListSecretPropertiesVersionsPager("db-password", nil); p.More(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("list versions: %v", err)
		}
		versions += len(page.Value)
	}
	if got, want := versions, 2; got != want {
		t.Errorf("versions: got %d; want %d", got, want)
	}

	backup, err := c.BackupSecret(ctx, "db-password", nil)
	if err != nil {
		t.Fatalf("BackupSecret: %v", err)
	}
	if strings.Contains(string(backup.Value), "s3cr3t") {
		t.Errorf("backup blob reveals the value")
	}
	del, err := c.DeleteSecret(ctx, "db-password", nil)
	if err != nil {
		t.Fatalf("DeleteSecret: %v", err)
	}
	if del.RecoveryID == nil || !strings.HasSuffix(*del.RecoveryID, "/deletedsecrets/db-password") {
		t.Errorf("recovery id: %v", del.RecoveryID)
	}
	if _, err := c.GetSecret(ctx, "db-password", "", nil); !isStatus(err, http.StatusNotFound, "SecretNotFound") {
		t.Errorf("get after delete: %v", err)
	}
	if _, err := c.SetSecret(ctx, "db-password", azsecrets.SetSecretParameters{Value: ptr("x")}, nil); !isStatus(err, http.StatusConflict, "Conflict") {
		t.Errorf("set of a deleted name: %v", err)
	}
	if _, err := c.GetDeletedSecret(ctx, "db-password", nil); err != nil {
		t.Errorf("GetDeletedSecret: %v", err)
	}
	var deleted int
	for p := c.NewListDeletedSecretPropertiesPager(nil); p.More(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		deleted += len(page.Value)
	}
	if got, want := deleted, 1; got != want {
		t.Errorf("deleted: got %d; want %d", got, want)
	}
	if _, err := c.RecoverDeletedSecret(ctx, "db-password", nil); err != nil {
		t.Fatalf("RecoverDeletedSecret: %v", err)
	}
	got, err := c.GetSecret(ctx, "db-password", "", nil)
	if err != nil || *got.Value != "s3cr3t-2" {
		t.Fatalf("get after recover: %v", err)
	}
	if _, err := c.DeleteSecret(ctx, "db-password", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PurgeDeletedSecret(ctx, "db-password", nil); err != nil {
		t.Fatalf("PurgeDeletedSecret: %v", err)
	}
	if _, ok, _ := env.e.Object(apVault, TypeSecret, "db-password"); ok {
		t.Errorf("secret still there after purge")
	}
	restored, err := c.RestoreSecret(ctx, azsecrets.RestoreSecretParameters{SecretBackup: backup.Value}, nil)
	if err != nil {
		t.Fatalf("RestoreSecret: %v", err)
	}
	if got, want := restored.ID.Name(), "db-password"; got != want {
		t.Errorf("restored: got %q; want %q", got, want)
	}
	if v, _ := env.e.SecretValue(apVault, "db-password"); v != "s3cr3t-2" {
		t.Errorf("restored value: got %q", v)
	}

	if got, want := env.lastAudit(t, "SecretPurge").Properties.HTTPStatusCode, 204; got != want {
		t.Errorf("purge status: got %d; want %d", got, want)
	}
}

func TestSecretErrors(t *testing.T) {
	env := newTestEnv(t, Options{})
	ctx := ctxT(t)
	c := env.secrets(t, apVault, admin)
	if _, err := c.GetSecret(ctx, "missing", "", nil); !isStatus(err, http.StatusNotFound, "SecretNotFound") {
		t.Errorf("missing: %v", err)
	}
	if _, err := c.GetSecret(ctx, "bad_name", "", nil); !isStatus(err, http.StatusBadRequest, "BadParameter") {
		t.Errorf("bad name: %v", err)
	}
	if _, err := env.e.SeedSecret(apVault, SecretSeed{Name: "off", Value: "x", Disabled: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetSecret(ctx, "off", "", nil); !isStatus(err, http.StatusForbidden, "Forbidden") {
		t.Errorf("disabled: %v", err)
	}
	if _, err := c.GetSecret(ctx, "off", "0123456789abcdef0123456789abcdef", nil); !isStatus(err, http.StatusNotFound, "SecretNotFound") {
		t.Errorf("missing version: %v", err)
	}
}

// isStatus reports whether err is an Azure response error with status and
// error code.
func isStatus(err error, status int, code string) bool {
	var re *azcore.ResponseError
	return errors.As(err, &re) && re.StatusCode == status && re.ErrorCode == code
}
