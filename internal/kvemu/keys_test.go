package kvemu

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"math/big"
	"net/http"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"
)

func TestRSAKeyOperationsWithSDK(t *testing.T) {
	env := newTestEnv(t, Options{})
	ctx := ctxT(t)
	c := env.keys(t, apVault, admin)

	created, err := c.CreateKey(ctx, "signing-key", azkeys.CreateKeyParameters{Kty: ptr(azkeys.KeyTypeRSA), KeySize: ptr(int32(2048)), Tags: map[string]*string{"use": ptr("jwt")}}, nil)
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	jwk := created.Key
	if jwk.D != nil {
		t.Fatal("the private exponent left the vault")
	}
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(jwk.N), E: int(new(big.Int).SetBytes(jwk.E).Int64())}
	if got, want := pub.N.BitLen(), 2048; got != want {
		t.Errorf("modulus: got %d bits; want %d", got, want)
	}
	version := jwk.KID.Version()

	digest := sha256.Sum256([]byte("hello"))
	for _, alg := range []azkeys.SignatureAlgorithm{azkeys.SignatureAlgorithmRS256, azkeys.SignatureAlgorithmPS256} {
		sig, err := c.Sign(ctx, "signing-key", version, azkeys.SignParameters{Algorithm: ptr(alg), Value: digest[:]}, nil)
		if err != nil {
			t.Fatalf("Sign %s: %v", alg, err)
		}
		if alg == azkeys.SignatureAlgorithmRS256 {
			if err := rsa.VerifyPKCS1v15(pub, 5 /* crypto.SHA256 */, digest[:], sig.Result); err != nil {
				t.Errorf("the signature does not verify with the public JWK: %v", err)
			}
		}
		ok, err := c.Verify(ctx, "signing-key", "", azkeys.VerifyParameters{Algorithm: ptr(alg), Digest: digest[:], Signature: sig.Result}, nil)
		if err != nil || !*ok.Value {
			t.Errorf("Verify %s: %v %v", alg, err, ok.Value)
		}
		bad := append([]byte(nil), sig.Result...)
		bad[0] ^= 1
		ok, err = c.Verify(ctx, "signing-key", "", azkeys.VerifyParameters{Algorithm: ptr(alg), Digest: digest[:], Signature: bad}, nil)
		if err != nil || *ok.Value {
			t.Errorf("Verify of a bad %s signature: %v %v", alg, err, ok.Value)
		}
	}

	for _, alg := range []azkeys.EncryptionAlgorithm{azkeys.EncryptionAlgorithmRSAOAEP, azkeys.EncryptionAlgorithmRSAOAEP256, azkeys.EncryptionAlgorithmRSA15} {
		enc, err := c.Encrypt(ctx, "signing-key", version, azkeys.KeyOperationParameters{Algorithm: ptr(alg), Value: []byte("plaintext")}, nil)
		if err != nil {
			t.Fatalf("Encrypt %s: %v", alg, err)
		}
		dec, err := c.Decrypt(ctx, "signing-key", version, azkeys.KeyOperationParameters{Algorithm: ptr(alg), Value: enc.Result}, nil)
		if err != nil || !bytes.Equal(dec.Result, []byte("plaintext")) {
			t.Errorf("Decrypt %s: %v %q", alg, err, dec.Result)
		}
	}
	cek := bytes.Repeat([]byte{7}, 32)
	wrapped, err := c.WrapKey(ctx, "signing-key", version, azkeys.KeyOperationParameters{Algorithm: ptr(azkeys.EncryptionAlgorithmRSAOAEP256), Value: cek}, nil)
	if err != nil {
		t.Fatalf("WrapKey: %v", err)
	}
	unwrapped, err := c.UnwrapKey(ctx, "signing-key", version, azkeys.KeyOperationParameters{Algorithm: ptr(azkeys.EncryptionAlgorithmRSAOAEP256), Value: wrapped.Result}, nil)
	if err != nil || !bytes.Equal(unwrapped.Result, cek) {
		t.Errorf("UnwrapKey: %v", err)
	}

	if _, err := c.UpdateKey(ctx, "signing-key", version, azkeys.UpdateKeyParameters{KeyOps: []*azkeys.KeyOperation{ptr(azkeys.KeyOperationVerify)}}, nil); err != nil {
		t.Fatalf("UpdateKey: %v", err)
	}
	if _, err := c.Sign(ctx, "signing-key", version, azkeys.SignParameters{Algorithm: ptr(azkeys.SignatureAlgorithmRS256), Value: digest[:]}, nil); !isStatus(err, http.StatusForbidden, "Forbidden") {
		t.Errorf("sign with key_ops=[verify]: %v", err)
	}

	rotated, err := c.RotateKey(ctx, "signing-key", nil)
	if err != nil {
		t.Fatalf("RotateKey: %v", err)
	}
	if rotated.Key.KID.Version() == version {
		t.Error("rotation kept the version")
	}
	var versions int
	for p := c.NewListKeyPropertiesVersionsPager("signing-key", nil); p.More(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		versions += len(page.Value)
	}
	if got, want := versions, 2; got != want {
		t.Errorf("versions: got %d; want %d", got, want)
	}

	backup, err := c.BackupKey(ctx, "signing-key", nil)
	if err != nil {
		t.Fatalf("BackupKey: %v", err)
	}
	if _, err := c.DeleteKey(ctx, "signing-key", nil); err != nil {
		t.Fatalf("DeleteKey: %v", err)
	}
	if _, err := c.GetKey(ctx, "signing-key", "", nil); !isStatus(err, http.StatusNotFound, "KeyNotFound") {
		t.Errorf("get after delete: %v", err)
	}
	if _, err := c.CreateKey(ctx, "signing-key", azkeys.CreateKeyParameters{Kty: ptr(azkeys.KeyTypeRSA)}, nil); !isStatus(err, http.StatusConflict, "Conflict") {
		t.Errorf("create over a deleted key: %v", err)
	}
	if _, err := c.GetDeletedKey(ctx, "signing-key", nil); err != nil {
		t.Errorf("GetDeletedKey: %v", err)
	}
	var deleted int
	for p := c.NewListDeletedKeyPropertiesPager(nil); p.More(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		deleted += len(page.Value)
	}
	if deleted != 1 {
		t.Errorf("deleted keys: got %d; want 1", deleted)
	}
	if _, err := c.RecoverDeletedKey(ctx, "signing-key", nil); err != nil {
		t.Fatalf("RecoverDeletedKey: %v", err)
	}
	if _, err := c.DeleteKey(ctx, "signing-key", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PurgeDeletedKey(ctx, "signing-key", nil); err != nil {
		t.Fatalf("PurgeDeletedKey: %v", err)
	}
	restored, err := c.RestoreKey(ctx, azkeys.RestoreKeyParameters{KeyBackup: backup.Value}, nil)
	if err != nil {
		t.Fatalf("RestoreKey: %v", err)
	}
	if !bytes.Equal(restored.Key.N, rotated.Key.N) {
		t.Error("restore lost the key material")
	}
}

func TestECKeyWithSDK(t *testing.T) {
	env := newTestEnv(t, Options{})
	ctx := ctxT(t)
	c := env.keys(t, apVault, admin)
	created, err := c.CreateKey(ctx, "ec-key", azkeys.CreateKeyParameters{Kty: ptr(azkeys.KeyTypeEC), Curve: ptr(azkeys.CurveNameP256)}, nil)
	if err != nil {
		t.Fatalf("CreateKey EC: %v", err)
	}
	got, err := c.GetKey(ctx, "ec-key", "", nil)
	if err != nil {
		t.Fatalf("GetKey: %v", err)
	}
	if !bytes.Equal(got.Key.X, created.Key.X) || len(got.Key.X) != 32 || len(got.Key.Y) != 32 {
		t.Errorf("public point: x %d bytes, y %d bytes", len(got.Key.X), len(got.Key.Y))
	}
	pub := &ecdsa.PublicKey{Curve: elliptic.P256(), X: new(big.Int).SetBytes(got.Key.X), Y: new(big.Int).SetBytes(got.Key.Y)}
	digest := sha256.Sum256([]byte("msg"))
	sig, err := c.Sign(ctx, "ec-key", "", azkeys.SignParameters{Algorithm: ptr(azkeys.SignatureAlgorithmES256), Value: digest[:]}, nil)
	if err != nil {
		t.Fatalf("Sign ES256: %v", err)
	}
	if len(sig.Result) != 64 || !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig.Result[:32]), new(big.Int).SetBytes(sig.Result[32:])) {
		t.Error("the ES256 signature does not verify with the public JWK")
	}
	if _, err := c.Encrypt(ctx, "ec-key", "", azkeys.KeyOperationParameters{Algorithm: ptr(azkeys.EncryptionAlgorithmRSAOAEP), Value: []byte("x")}, nil); !isStatus(err, http.StatusForbidden, "Forbidden") {
		t.Errorf("encrypt with an EC key: %v", err)
	}
	if _, err := c.CreateKey(ctx, "hsm-key", azkeys.CreateKeyParameters{Kty: ptr(azkeys.KeyTypeRSAHSM)}, nil); !isStatus(err, http.StatusBadRequest, "BadParameter") {
		t.Errorf("HSM key in a standard vault: %v", err)
	}
	if _, err := c.CreateKey(ctx, "bad-size", azkeys.CreateKeyParameters{Kty: ptr(azkeys.KeyTypeRSA), KeySize: ptr(int32(1024))}, nil); !isStatus(err, http.StatusBadRequest, "BadParameter") {
		t.Errorf("1024-bit RSA: %v", err)
	}
	var names []string
	for p := c.NewListKeyPropertiesPager(nil); p.More(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range page.Value {
			names = append(names, k.KID.Name())
		}
	}
	if len(names) != 1 || names[0] != "ec-key" {
		t.Errorf("list: %v", names)
	}
}
