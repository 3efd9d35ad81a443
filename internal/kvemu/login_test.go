package kvemu

import (
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
)

// TestClientSecretCredential signs in through azidentity (MSAL) at the
// emulated token endpoint and uses the token on the data plane.
func TestClientSecretCredential(t *testing.T) {
	env := newTestEnv(t, Options{})
	if err := env.e.RegisterApp(app, "correct-horse-battery"); err != nil {
		t.Fatal(err)
	}
	if _, err := env.e.SeedSecret(apVault, SecretSeed{Name: "s", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	newCred := func(secret string) azcore.TokenCredential {
		cred, err := azidentity.NewClientSecretCredential(DefaultTenantID, app.AppID, secret, &azidentity.ClientSecretCredentialOptions{
			ClientOptions: azcore.ClientOptions{Transport: env.e.HTTPClient(), Cloud: env.e.Cloud()},
		})
		if err != nil {
			t.Fatal(err)
		}
		return cred
	}
	c, err := azsecrets.NewClient(env.e.VaultURL(apVault), newCred("correct-horse-battery"), &azsecrets.ClientOptions{ClientOptions: env.clientOptions()})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetSecret(ctxT(t), "s", "", nil)
	if err != nil {
		t.Fatalf("GetSecret with a client-secret credential: %v", err)
	}
	if *got.Value != "v" {
		t.Errorf("value: got %q", *got.Value)
	}
	if r := env.lastAudit(t, "SecretGet"); r.Identity.Claim["appid"] != app.AppID || r.Identity.Claim["oid"] != app.ObjectID {
		t.Errorf("identity: %+v", r.Identity)
	}
	bad, _ := azsecrets.NewClient(env.e.VaultURL(apVault), newCred("wrong-secret-value"), &azsecrets.ClientOptions{ClientOptions: env.clientOptions()})
	if _, err := bad.GetSecret(ctxT(t), "s", "", nil); err == nil || !strings.Contains(err.Error(), "AADSTS7000215") {
		t.Errorf("wrong client secret: %v", err)
	}
}
