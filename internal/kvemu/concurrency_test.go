package kvemu

import (
	"fmt"
	"sync"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
)

// TestConcurrentClients runs several SDK clients at once against two
// vaults (run it with -race) and checks nothing is lost: every object and
// every audit record is there.
func TestConcurrentClients(t *testing.T) {
	env := newTestEnv(t, Options{ReuseRSAKeys: true})
	ctx := ctxT(t)
	const workers, each = 6, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			vault := apVault
			if w%2 == 1 {
				vault = rbacVault
			}
			c := env.secrets(t, vault, admin)
			for i := range each {
				name := fmt.Sprintf("w%d-s%d", w, i)
				if _, err := c.SetSecret(ctx, name, azsecrets.SetSecretParameters{Value: ptr(name)}, nil); err != nil {
					errs <- err
					return
				}
				got, err := c.GetSecret(ctx, name, "", nil)
				if err != nil || *got.Value != name {
					errs <- fmt.Errorf("get %s: %v", name, err)
					return
				}
			}
			if _, err := env.keys(t, vault, admin).CreateKey(ctx, fmt.Sprintf("w%d-key", w), azkeys.CreateKeyParameters{Kty: ptr(azkeys.KeyTypeRSA)}, nil); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, vault := range []string{apVault, rbacVault} {
		objs, err := env.e.Objects(vault)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := len(objs), workers/2*(each+1); got != want {
			t.Errorf("%s objects: got %d; want %d", vault, got, want)
		}
	}
	// Per worker: one challenge per client (secrets, keys), two records per
	// secret, one per key.
	if got, want := len(env.auditRecords(t)), workers*(2+2*each+1); got != want {
		t.Errorf("audit records: got %d; want %d", got, want)
	}
}

func TestSovereignCloudVault(t *testing.T) {
	env := newTestEnv(t, Options{})
	if _, err := env.e.CreateVault(VaultSpec{SubscriptionID: testSub, ResourceGroup: testRG, Name: "kv-china", DNSSuffix: "vault.azure.cn",
		AccessPolicies: []AccessPolicy{{ObjectID: admin.ObjectID, Permissions: Permissions{Secrets: []string{"all"}}}}}); err != nil {
		t.Fatal(err)
	}
	if got, want := env.e.VaultURL("kv-china"), "https://kv-china.vault.azure.cn"; got != want {
		t.Fatalf("url: got %s; want %s", got, want)
	}
	c := env.secrets(t, "kv-china", admin)
	if _, err := c.SetSecret(ctxT(t), "s", azsecrets.SetSecretParameters{Value: ptr("v")}, nil); err != nil {
		t.Fatalf("set in a China-cloud vault: %v", err)
	}
}
