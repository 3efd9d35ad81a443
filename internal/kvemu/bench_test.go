package kvemu

import (
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
)

// BenchmarkSDKGetSecret measures one audited SecretGet through the real
// SDK over TLS (HTTP/2, token cached), the emulator's common path.
func BenchmarkSDKGetSecret(b *testing.B) {
	env := newBenchEnv(b)
	if _, err := env.e.SeedSecret(apVault, SecretSeed{Name: "s", Value: "v"}); err != nil {
		b.Fatal(err)
	}
	c, err := azsecrets.NewClient(env.e.VaultURL(apVault), env.e.Credential(admin), &azsecrets.ClientOptions{ClientOptions: env.e.ClientOptions()})
	if err != nil {
		b.Fatal(err)
	}
	ctx := b.Context()
	if _, err := c.GetSecret(ctx, "s", "", nil); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.GetSecret(ctx, "s", "", nil); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	if err := env.e.Flush(ctx); err != nil {
		b.Fatal(err)
	}
}

// newBenchEnv is a small estate for benchmarks: one audited vault.
func newBenchEnv(b *testing.B) *testEnv {
	b.Helper()
	e, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	if err := e.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { e.Close() })
	if _, err := e.CreateVault(VaultSpec{SubscriptionID: testSub, ResourceGroup: testRG, Name: apVault,
		AccessPolicies: []AccessPolicy{{ObjectID: admin.ObjectID, Permissions: Permissions{Secrets: []string{"all"}}}}}); err != nil {
		b.Fatal(err)
	}
	env := &testEnv{e: e, audit: NewMemorySink(0)}
	if err := e.RegisterDestination(logsStorage, env.audit, DeliveryOptions{}); err != nil {
		b.Fatal(err)
	}
	if err := e.SetDiagnosticSetting(apVault, DiagnosticSetting{Name: "d", StorageAccountID: logsStorage, Logs: []LogSettings{{Category: "AuditEvent", Enabled: true}}}); err != nil {
		b.Fatal(err)
	}
	return env
}
