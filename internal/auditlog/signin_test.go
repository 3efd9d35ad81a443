package auditlog

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// A service-principal sign-in in the diagnostic export, as Event Hubs and
// storage carry it (one of a {"records":[...]} body).
const signInExport = `{"records":[{"time":"2026-12-04T02:10:11.1234567Z",
 "resourceId":"/tenants/72f988bf-86f1-41af-91ab-2d7cd011db47/providers/Microsoft.aadiam",
 "operationName":"Sign-in activity","operationVersion":"1.0","category":"ServicePrincipalSignInLogs",
 "tenantId":"72F988BF-86F1-41AF-91AB-2D7CD011DB47","resultType":"7000215","resultSignature":"None",
 "resultDescription":"Invalid client secret provided.","callerIpAddress":"203.0.113.9",
 "correlationId":"9b7e0e1c-4b1f-4f55-8a52-6b1f7d6e0c11","level":"Informational","location":"NL",
 "properties":{"id":"5d6f1c1e-98b0-4f51-a1a4-6f3c2f0a7b00","createdDateTime":"2026-12-04T02:10:11Z",
  "appId":"3F2504E0-4F89-11D3-9A0C-0305E82C3301","servicePrincipalId":"0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
  "servicePrincipalName":"svc-payments-reconcile","ipAddress":"203.0.113.9",
  "resourceDisplayName":"Azure Key Vault","resourceId":"cfa8b339-82a2-471a-a3c9-0fc0be7a4093",
  "status":{"errorCode":7000215,"failureReason":"Invalid client secret provided."}}}]}`

// The same sign-in as a row of Log Analytics' AADServicePrincipalSignInLogs.
const signInRow = `{"TenantId":"72f988bf-86f1-41af-91ab-2d7cd011db47","TimeGenerated":"2026-12-04T02:10:11.1234567Z",
 "OperationName":"Sign-in activity","Category":"ServicePrincipalSignInLogs","ResultType":"7000215",
 "ResultSignature":"None","ResultDescription":"Invalid client secret provided.",
 "AppId":"3f2504e0-4f89-11d3-9a0c-0305e82c3301","ServicePrincipalId":"0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
 "ServicePrincipalName":"svc-payments-reconcile","IPAddress":"203.0.113.9","ResourceDisplayName":"Azure Key Vault",
 "ResourceIdentity":"cfa8b339-82a2-471a-a3c9-0fc0be7a4093","CorrelationId":"9b7e0e1c-4b1f-4f55-8a52-6b1f7d6e0c11",
 "Id":"5d6f1c1e-98b0-4f51-a1a4-6f3c2f0a7b00","Type":"AADServicePrincipalSignInLogs"}`

// Both shapes read to the same sign-in: the app id (lower case: it is what
// names the decoy), the service principal, the address, the outcome and
// where it tried to get in.
func TestSignInShapes(t *testing.T) {
	evs, errs, err := ParseBody([]byte(signInExport))
	if err != nil || len(errs) != 0 || len(evs) != 1 {
		t.Fatalf("export: %d events, %v, %v", len(evs), errs, err)
	}
	row, err := ParseRecord([]byte(signInRow))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ev    Event
		shape Shape
	}{{evs[0], ShapeSignIn}, {row, ShapeAADSignIn}} {
		ev := tc.ev
		if ev.Kind != KindSignIn || ev.Shape != tc.shape || ev.Time.Format("15:04:05.0000000") != "02:10:11.1234567" {
			t.Errorf("%s: kind %q shape %q time %v", tc.shape, ev.Kind, ev.Shape, ev.Time)
		}
		want := Caller{AppID: "3f2504e0-4f89-11d3-9a0c-0305e82c3301", ObjectID: "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
			Name: "svc-payments-reconcile", IP: "203.0.113.9", TenantID: "72f988bf-86f1-41af-91ab-2d7cd011db47",
			ClientInfo: `resource="Azure Key Vault" result="7000215"`}
		if ev.Caller != want {
			t.Errorf("%s: caller %+v; want %+v", tc.shape, ev.Caller, want)
		}
		if ev.Operation != "Sign-in activity" || ev.ResultType != "7000215" || ev.ResultDescription != "Invalid client secret provided." ||
			ev.CorrelationID != "5d6f1c1e-98b0-4f51-a1a4-6f3c2f0a7b00" || ev.VaultID != "" || ev.ObjectName != "" {
			t.Errorf("%s: %+v", tc.shape, ev)
		}
	}
}

// A sign-in without an app id, or with one of the wrong type, is a record
// error naming what is wrong; the records beside it are still read.
func TestSignInBadRecords(t *testing.T) {
	body := `{"records":[
{"time":"2026-12-04T02:10:11Z","category":"ServicePrincipalSignInLogs","properties":{"servicePrincipalId":"x"}},
{"time":"2026-12-04T02:10:11Z","category":"ServicePrincipalSignInLogs","properties":{"appId":{"a":1}}},
{"time":"not a time","category":"ServicePrincipalSignInLogs","properties":{"appId":"3f2504e0-4f89-11d3-9a0c-0305e82c3301"}},
{"time":"2026-12-04T02:10:11Z","category":"ServicePrincipalSignInLogs","properties":{"appId":"3f2504e0-4f89-11d3-9a0c-0305e82c3301"}}]}`
	evs, errs, err := ParseBody([]byte(body))
	if err != nil || len(evs) != 1 || len(errs) != 3 {
		t.Fatalf("%d events, %d record errors (%v), %v; want 1 and 3", len(evs), len(errs), errs, err)
	}
	for i, want := range []string{"without an appId", "appId", "time"} {
		if !strings.Contains(errs[i].Error(), want) {
			t.Errorf("record %d: error %q does not say %q", i+1, errs[i], want)
		}
	}
}

// FuzzSignIn: whatever a sign-in record holds, it is read without a panic
// into a sign-in with an app id, every field storable, or refused.
func FuzzSignIn(f *testing.F) {
	f.Add([]byte(signInRow))
	evs, _, _ := ParseBody([]byte(signInExport))
	if len(evs) == 0 {
		f.Fatal("the export fixture does not parse")
	}
	f.Add([]byte(strings.TrimSuffix(strings.TrimPrefix(signInExport, `{"records":[`), "]}")))
	f.Add([]byte(`{"Type":"AADServicePrincipalSignInLogs","TimeGenerated":"2026-12-04T02:10:11Z","AppId":"a\u0000\xff","IPAddress":7}`))
	f.Add([]byte(`{"category":{"value":"ServicePrincipalSignInLogs"},"time":"2026-12-04T02:10:11Z","properties":"x"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, err := ParseRecord(b)
		if err != nil || ev.Kind != KindSignIn {
			return
		}
		if ev.Caller.AppID == "" || ev.Caller.AppID != strings.ToLower(ev.Caller.AppID) {
			t.Fatalf("app id %q", ev.Caller.AppID)
		}
		if f, v := unstorableField(reflect.ValueOf(ev), "Event"); f != "" || !utf8.ValidString(ev.Caller.ClientInfo) {
			t.Fatalf("%s = %q: not storable", f, v)
		}
	})
}
