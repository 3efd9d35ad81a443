package kvemu

import (
	"crypto/x509"
	"encoding/base64"
	"net/http"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"
	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

func TestCertificateWithSDK(t *testing.T) {
	env := newTestEnv(t, Options{})
	ctx := ctxT(t)
	c := env.certs(t, apVault, admin)
	policy := azcertificates.CertificatePolicy{
		IssuerParameters: &azcertificates.IssuerParameters{Name: ptr("Self")},
		KeyProperties:    &azcertificates.KeyProperties{KeyType: ptr(azcertificates.KeyTypeRSA), KeySize: ptr(int32(2048)), Exportable: ptr(true)},
		SecretProperties: &azcertificates.SecretProperties{ContentType: ptr("application/x-pkcs12")},
		X509CertificateProperties: &azcertificates.X509CertificateProperties{
			Subject: ptr("CN=payments.contoso.com, O=Contoso"), ValidityInMonths: ptr(int32(6)),
			SubjectAlternativeNames: &azcertificates.SubjectAlternativeNames{DNSNames: []*string{ptr("payments.contoso.com")}},
		},
	}
	op, err := c.CreateCertificate(ctx, "payments-tls", azcertificates.CreateCertificateParameters{CertificatePolicy: &policy, Tags: map[string]*string{"app": ptr("payments")}}, nil)
	if err != nil {
		t.Fatalf("CreateCertificate: %v", err)
	}
	if got, want := *op.Status, "completed"; got != want {
		t.Errorf("operation status: got %q; want %q", got, want)
	}
	pending, err := c.GetCertificateOperation(ctx, "payments-tls", nil)
	if err != nil || *pending.Status != "completed" {
		t.Fatalf("GetCertificateOperation: %v", err)
	}
	cert, err := c.GetCertificate(ctx, "payments-tls", "", nil)
	if err != nil {
		t.Fatalf("GetCertificate: %v", err)
	}
	parsed, err := x509.ParseCertificate(cert.CER)
	if err != nil {
		t.Fatalf("parse CER: %v", err)
	}
	if got, want := parsed.Subject.CommonName, "payments.contoso.com"; got != want {
		t.Errorf("subject CN: got %q; want %q", got, want)
	}
	if cert.KID == nil || cert.SID == nil || cert.KID.Version() != cert.ID.Version() {
		t.Errorf("kid/sid: %v %v", cert.KID, cert.SID)
	}
	if _, err := c.GetCertificatePolicy(ctx, "payments-tls", nil); err != nil {
		t.Errorf("GetCertificatePolicy: %v", err)
	}

	// The certificate's secret of the same name carries the private key.
	secret, err := env.secrets(t, apVault, admin).GetSecret(ctx, "payments-tls", "", nil)
	if err != nil {
		t.Fatalf("GetSecret of the certificate: %v", err)
	}
	if got, want := *secret.ContentType, "application/x-pkcs12"; got != want {
		t.Errorf("secret content type: got %q; want %q", got, want)
	}
	pfx, err := base64.StdEncoding.DecodeString(*secret.Value)
	if err != nil {
		t.Fatal(err)
	}
	if _, leaf, err := pkcs12.Decode(pfx, ""); err != nil || leaf.SerialNumber.Cmp(parsed.SerialNumber) != 0 {
		t.Errorf("PFX: %v", err)
	}
	if secret.Managed == nil || !*secret.Managed || secret.KID == nil {
		t.Errorf("the certificate's secret should be managed and name its key")
	}
	// And the key of the same name is the certificate's key.
	key, err := env.keys(t, apVault, admin).GetKey(ctx, "payments-tls", "", nil)
	if err != nil {
		t.Fatalf("GetKey of the certificate: %v", err)
	}
	if key.Key.KID.Version() != cert.ID.Version() {
		t.Errorf("key version %s; certificate version %s", key.Key.KID.Version(), cert.ID.Version())
	}

	if _, err := env.e.SeedCertificate(apVault, CertificateSeed{Name: "seeded", Subject: "CN=seeded", ContentType: "application/x-pem-file"}); err != nil {
		t.Fatal(err)
	}
	var names []string
	for p := c.NewListCertificatePropertiesPager(nil); p.More(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Value {
			names = append(names, it.ID.Name())
		}
	}
	if len(names) != 2 || names[0] != "payments-tls" || names[1] != "seeded" {
		t.Errorf("list: %v", names)
	}

	backup, err := c.BackupCertificate(ctx, "payments-tls", nil)
	if err != nil {
		t.Fatalf("BackupCertificate: %v", err)
	}
	if _, err := c.DeleteCertificate(ctx, "payments-tls", nil); err != nil {
		t.Fatalf("DeleteCertificate: %v", err)
	}
	if _, err := c.GetCertificate(ctx, "payments-tls", "", nil); !isStatus(err, http.StatusNotFound, "CertificateNotFound") {
		t.Errorf("get after delete: %v", err)
	}
	if o, ok, _ := env.e.Object(apVault, TypeSecret, "payments-tls"); !ok || !o.Deleted {
		t.Errorf("the certificate's secret was not soft-deleted with it: %+v", o)
	}
	if _, err := c.GetDeletedCertificate(ctx, "payments-tls", nil); err != nil {
		t.Errorf("GetDeletedCertificate: %v", err)
	}
	if _, err := c.RecoverDeletedCertificate(ctx, "payments-tls", nil); err != nil {
		t.Fatalf("RecoverDeletedCertificate: %v", err)
	}
	if _, err := c.DeleteCertificate(ctx, "payments-tls", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PurgeDeletedCertificate(ctx, "payments-tls", nil); err != nil {
		t.Fatalf("PurgeDeletedCertificate: %v", err)
	}
	if _, ok, _ := env.e.Object(apVault, TypeKey, "payments-tls"); ok {
		t.Error("the certificate's key survived the purge")
	}
	restored, err := c.RestoreCertificate(ctx, azcertificates.RestoreCertificateParameters{CertificateBackup: backup.Value}, nil)
	if err != nil {
		t.Fatalf("RestoreCertificate: %v", err)
	}
	if restored.X509Thumbprint == nil || string(restored.X509Thumbprint) != string(cert.X509Thumbprint) {
		t.Error("restore changed the certificate")
	}
	if o, ok, _ := env.e.Object(apVault, TypeSecret, "payments-tls"); !ok || o.Deleted || !o.Managed {
		t.Errorf("restored secret: %+v", o)
	}
}
