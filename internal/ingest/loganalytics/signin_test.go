package loganalytics

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
	"github.com/honeyvault/honeyvault/internal/ingest/ingesttest"
	"github.com/honeyvault/honeyvault/internal/store"
)

// signInColumns is the AADServicePrincipalSignInLogs schema (the columns
// this test fills).
var signInColumns = []column{
	{"TenantId", "string"}, {"TimeGenerated", "datetime"}, {"OperationName", "string"}, {"Category", "string"},
	{"ResultType", "string"}, {"ResultDescription", "string"}, {"CorrelationId", "string"}, {"Id", "string"},
	{"AppId", "string"}, {"ServicePrincipalId", "string"}, {"IPAddress", "string"}, {"ResourceDisplayName", "string"},
	{"Type", "string"},
}

// The source reads Entra ID's service-principal sign-ins (table named in
// any case) into sign-in events: what an Entra ID canary's use leaves.
func TestSignInTable(t *testing.T) {
	env := ingesttest.New(t)
	w := newWorkspace(t, TableAADServicePrincipalSignInLogs)
	w.columns = signInColumns
	now := time.Now().UTC()
	w.add(now.Add(-time.Minute), map[string]any{
		"TenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47", "TimeGenerated": now.Add(-2 * time.Minute).Format(time.RFC3339Nano),
		"OperationName": "Sign-in activity", "Category": "ServicePrincipalSignInLogs", "ResultType": "7000215",
		"ResultDescription": "Invalid client secret provided.", "CorrelationId": "c-1", "Id": "5d6f1c1e-98b0-4f51-a1a4-6f3c2f0a7b00",
		"AppId": "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "ServicePrincipalId": "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
		"IPAddress": "203.0.113.9", "ResourceDisplayName": "Azure Key Vault", "Type": "AADServicePrincipalSignInLogs",
	})
	poll(t, w.source(t, env, Config{Table: "aadserviceprincipalsigninlogs"}), env)
	evs, err := env.Store.ListEvents(context.Background(), store.EventFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 {
		t.Fatalf("got %d events; want 1", len(evs))
	}
	if e := evs[0].Event; e.Kind != auditlog.KindSignIn || e.Caller.AppID != "3f2504e0-4f89-11d3-9a0c-0305e82c3301" || e.Caller.IP != "203.0.113.9" {
		t.Errorf("event %+v; want the sign-in of the app from its address", e)
	}
	if q := w.queriesSnapshot()[0]; !strings.HasPrefix(q, TableAADServicePrincipalSignInLogs+"\n") {
		t.Errorf("query does not read the sign-in table:\n%s", q)
	}
}
