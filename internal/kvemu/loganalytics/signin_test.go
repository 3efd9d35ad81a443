package loganalytics

import (
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/honeyvault/honeyvault/internal/kvemu"
)

// A canary app's sign-ins, logged to the workspace, are
// AADServicePrincipalSignInLogs rows the query API returns; another app's
// are not logged.
func TestSignInsOfACanaryAppAreRows(t *testing.T) {
	env := newTestEnv(t)
	ws, err := env.la.CreateWorkspace(wsResource, wsID, kvemu.DeliveryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	const canaryApp, other = "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "9a8b7c6d-0000-4000-8000-000000000001"
	if err := env.e.RegisterCanaryApp(canaryApp); err != nil {
		t.Fatal(err)
	}
	env.e.SetSignInLogs(wsResource, "")
	co := env.e.ClientOptions()
	co.Cloud = env.e.Cloud()
	for _, app := range []string{canaryApp, other} {
		cred, err := azidentity.NewClientSecretCredential(kvemu.DefaultTenantID, app, "a-guessed-secret", &azidentity.ClientSecretCredentialOptions{ClientOptions: co})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cred.GetToken(ctxT(t), policy.TokenRequestOptions{Scopes: []string{"https://vault.azure.net/.default"}}); err == nil {
			t.Fatalf("%s signed in with a guessed secret", app)
		}
	}
	if err := env.e.Flush(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if got := ws.Rows("AADServicePrincipalSignInLogs"); got != 1 {
		t.Fatalf("sign-in rows: %d; want 1, the canary app's", got)
	}
	tbl, err := query(t, env.logsClient(t), `AADServicePrincipalSignInLogs | where AppId == "`+canaryApp+`" | where ingestion_time() > datetime(2026-11-20T00:00:00Z)`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(tbl.Rows) != 1 || column(t, tbl, 0, "ResultType") != "7000215" || column(t, tbl, 0, "ResourceDisplayName") != "Azure Key Vault" {
		t.Errorf("rows %v; want the canary app's failed sign-in to Key Vault", tbl.Rows)
	}
}
