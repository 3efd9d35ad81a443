package kvemu

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"net/http"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"
	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

func TestImportKeyWithSDK(t *testing.T) {
	env := newTestEnv(t, Options{})
	ctx := ctxT(t)
	c := env.keys(t, apVault, admin)
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaJWK := &azkeys.JSONWebKey{
		Kty: ptr(azkeys.KeyTypeRSA), N: rk.N.Bytes(), E: big.NewInt(int64(rk.E)).Bytes(), D: rk.D.Bytes(),
		P: rk.Primes[0].Bytes(), Q: rk.Primes[1].Bytes(), DP: rk.Precomputed.Dp.Bytes(), DQ: rk.Precomputed.Dq.Bytes(), QI: rk.Precomputed.Qinv.Bytes(),
	}
	imp, err := c.ImportKey(ctx, "imported-rsa", azkeys.ImportKeyParameters{Key: rsaJWK}, nil)
	if err != nil {
		t.Fatalf("ImportKey RSA: %v", err)
	}
	if imp.Key.D != nil {
		t.Error("the private exponent came back")
	}
	digest := sha256.Sum256([]byte("imported"))
	sig, err := c.Sign(ctx, "imported-rsa", "", azkeys.SignParameters{Algorithm: ptr(azkeys.SignatureAlgorithmRS256), Value: digest[:]}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := rsa.VerifyPKCS1v15(&rk.PublicKey, crypto.SHA256, digest[:], sig.Result); err != nil {
		t.Errorf("the vault did not sign with the imported key: %v", err)
	}

	ek, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	d, _ := ek.Bytes()
	ecJWK := &azkeys.JSONWebKey{Kty: ptr(azkeys.KeyTypeEC), Crv: ptr(azkeys.CurveNameP256), D: d, X: ek.X.FillBytes(make([]byte, 32)), Y: ek.Y.FillBytes(make([]byte, 32))}
	if _, err := c.ImportKey(ctx, "imported-ec", azkeys.ImportKeyParameters{Key: ecJWK}, nil); err != nil {
		t.Fatalf("ImportKey EC: %v", err)
	}
	bad := *rsaJWK
	bad.D = []byte{1, 2, 3}
	if _, err := c.ImportKey(ctx, "broken", azkeys.ImportKeyParameters{Key: &bad}, nil); !isStatus(err, http.StatusBadRequest, "BadParameter") {
		t.Errorf("import of a broken key: %v", err)
	}
	if got := env.lastAudit(t, "KeyImport").Properties.HTTPStatusCode; got != 400 {
		t.Errorf("last KeyImport status: %d", got)
	}
}

func selfSigned(t *testing.T) (*ecdsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(42), Subject: pkix.Name{CommonName: "imported.contoso.com"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return k, cert
}

func TestImportCertificateWithSDK(t *testing.T) {
	env := newTestEnv(t, Options{})
	ctx := ctxT(t)
	c := env.certs(t, apVault, admin)
	k, cert := selfSigned(t)
	pfx, err := pkcs12.Modern.Encode(k, cert, nil, "import-pass")
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.ImportCertificate(ctx, "imported-pfx", azcertificates.ImportCertificateParameters{
		Base64EncodedCertificate: ptr(base64.StdEncoding.EncodeToString(pfx)), Password: ptr("import-pass"),
	}, nil)
	if err != nil {
		t.Fatalf("ImportCertificate PFX: %v", err)
	}
	if string(got.CER) != string(cert.Raw) {
		t.Error("imported certificate differs")
	}
	sec, err := env.secrets(t, apVault, admin).GetSecret(ctx, "imported-pfx", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(*sec.Value)
	if _, _, err := pkcs12.Decode(raw, ""); err != nil {
		t.Errorf("stored PFX is not passwordless: %v", err)
	}

	keyDER, _ := x509.MarshalPKCS8PrivateKey(k)
	pemText := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})) + string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
	pemPolicy := &azcertificates.CertificatePolicy{SecretProperties: &azcertificates.SecretProperties{ContentType: ptr("application/x-pem-file")}}
	if _, err := c.ImportCertificate(ctx, "imported-pem", azcertificates.ImportCertificateParameters{Base64EncodedCertificate: ptr(pemText), CertificatePolicy: pemPolicy}, nil); err != nil {
		t.Fatalf("ImportCertificate PEM: %v", err)
	}
	certOnly := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))
	_, err = c.ImportCertificate(ctx, "no-key", azcertificates.ImportCertificateParameters{Base64EncodedCertificate: ptr(certOnly), CertificatePolicy: pemPolicy}, nil)
	if !isStatus(err, http.StatusBadRequest, "BadParameter") {
		t.Errorf("import without a private key: %v", err)
	}
	r := env.lastAudit(t, "CertificateImport")
	if r.Properties.HTTPStatusCode != 400 || r.Properties.ID != "" || r.ResultDescription == "" {
		t.Errorf("failed import record: %+v", r)
	}
}
