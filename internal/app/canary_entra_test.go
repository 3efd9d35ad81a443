package app

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/registry"
	"github.com/honeyvault/honeyvault/internal/store"
)

// signInBody is one service-principal sign-in of app from ip, with id,
// in the diagnostic export's shape (Event Hubs, storage).
func signInBody(id, app, ip string) string {
	return `{"records":[{"time":"2026-12-04T02:10:11Z","resourceId":"/tenants/72f988bf-86f1-41af-91ab-2d7cd011db47/providers/Microsoft.aadiam",
 "operationName":"Sign-in activity","category":"ServicePrincipalSignInLogs","resultType":"7000215","callerIpAddress":"` + ip + `",
 "properties":{"id":"` + id + `","appId":"` + app + `","servicePrincipalId":"0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
  "ipAddress":"` + ip + `","resourceDisplayName":"Azure Key Vault"}}]}`
}

// signInRowBody is the same in a Log Analytics AADServicePrincipalSignInLogs row.
func signInRowBody(id, app, ip string) string {
	return `{"Type":"AADServicePrincipalSignInLogs","TimeGenerated":"2026-12-04T02:20:00Z","OperationName":"Sign-in activity",
 "Category":"ServicePrincipalSignInLogs","ResultType":"0","AppId":"` + strings.ToUpper(app) + `","IPAddress":"` + ip + `",
 "ServicePrincipalId":"0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0","ResourceDisplayName":"Microsoft Graph","Id":"` + id + `"}`
}

// Sign-ins of an Entra ID canary's app, read from both shapes through the
// ingest endpoint, are uses of its decoy: one alert each (operation
// canary:entra, class used-outside-key-vault, from the sign-in's address),
// a record delivered twice counted once, in one incident; sign-ins of any
// other app raise nothing.
func TestEntraSignInsOfACanaryAppAreUses(t *testing.T) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			env := newCanaryEnv(t, canaryDBs[name](t))
			ctx := context.Background()
			const app, other = "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "9a8b7c6d-0000-4000-8000-000000000001"
			dec := &registry.Decoy{VaultID: vaultPay, Name: "payments-reconcile-sp-secret", Type: registry.Secret}
			if err := env.srv.Store.BeginPlanting(ctx, []store.NewPlanting{{Decoy: dec, PlantedBy: "planter-oid",
				Canary: &store.NewCanary{Kind: "entra", Token: app}}}); err != nil {
				t.Fatal(err)
			}
			post := func(body string) {
				t.Helper()
				req, _ := http.NewRequest("POST", env.srv.url("/api/v1/ingest/azure-keyvault"), strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer ingest-token-for-canary-test")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusAccepted {
					t.Fatalf("ingest: %d", resp.StatusCode)
				}
			}
			alerts := func() []store.Alert {
				t.Helper()
				as, err := env.srv.Store.ListAlerts(ctx, store.AlertFilter{})
				if err != nil {
					t.Fatal(err)
				}
				return as
			}
			post(signInBody("5d6f1c1e-98b0-4f51-a1a4-6f3c2f0a7b00", app, "203.0.113.9"))
			post(signInBody("5d6f1c1e-98b0-4f51-a1a4-6f3c2f0a7b00", app, "203.0.113.9")) // delivered again
			post(signInBody("11111111-98b0-4f51-a1a4-6f3c2f0a7b00", other, "203.0.113.9"))
			post(signInRowBody("22222222-98b0-4f51-a1a4-6f3c2f0a7b00", other, "198.51.100.4"))
			// The ingest endpoint answers 202 once detection's transaction
			// committed: the alerts are there now.
			got := alerts()
			if len(got) != 1 {
				t.Fatalf("alerts %+v; want one for the canary app's one sign-in", got)
			}
			a := got[0]
			if a.Operation != "canary:entra" || a.Class != "used-outside-key-vault" || a.Token != dec.Name || a.Caller.IP != "203.0.113.9" ||
				a.IncidentID == 0 || !strings.Contains(a.Caller.ClientInfo, `resource="Azure Key Vault"`) {
				t.Errorf("alert %+v; want canary:entra, used-outside-key-vault, %s, from 203.0.113.9, in an incident", a, dec.Name)
			}
			post(signInRowBody("33333333-98b0-4f51-a1a4-6f3c2f0a7b00", app, "198.51.100.4")) // a success, as a table row
			got = alerts()
			if len(got) != 2 || got[0].IncidentID != got[1].IncidentID {
				t.Fatalf("alerts %+v; want two in one incident", got)
			}
			for _, a := range got {
				if a.Operation != "canary:entra" || a.Token != dec.Name {
					t.Errorf("alert %+v", a)
				}
			}
		})
	}
}
