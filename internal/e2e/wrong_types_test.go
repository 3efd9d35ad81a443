package e2e

import (
	"encoding/json"
	"strings"
	"testing"
)

// A field of the wrong type was accepted silently: the record was stored
// with the field dropped. Now a field honeyvault reads either keeps what
// it said (null is absence: a null correlationId is no correlation id) or
// makes its record a dead letter whose reason names the field — and the
// rest of the request, a decoy access among them, is stored and alerts.
func TestWrongTypedFieldsDeadLetteredOrKept(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		hook := newWebhook(t, nil)
		srv := startServer(t, dsn, "HONEYVAULT_NOTIFY_WEBHOOK="+hook.URL)
		good := record(decoys[0], "attacker-types", "corr-types")
		nullCorr := replaced(t, record(decoys[1], "attacker-null", "x"), `"correlationId":"x"`, `"correlationId":null`)
		broken := map[string]string{
			"resourceId":                replaced(t, record("other-1", "u1", "c1"), `"resourceId":"`+vaultID+`"`, `"resourceId":["`+vaultID+`"]`),
			"identity":                  replaced(t, record("other-2", "u2", "c2"), `"identity":{"claim":{"oid":"u2",`, `"identity":"u2","x":{"claim":{"oid":"u2",`),
			"properties":                replaced(t, record("other-3", "u3", "c3"), `"properties":{`, `"properties":7,"x":{`),
			"properties.httpStatusCode": replaced(t, record("other-4", "u4", "c4"), `"httpStatusCode":200`, `"httpStatusCode":"OK"`),
		}
		lines := []string{good, nullCorr}
		for _, rec := range broken {
			lines = append(lines, rec)
		}
		code, resp := ingest(t, srv, strings.Join(lines, "\n"))
		if code != 202 {
			t.Fatalf("ingest: %d %s; want 202", code, resp)
		}
		var ans struct {
			Accepted     int `json:"accepted"`
			DeadLettered int `json:"dead_lettered"`
			Errors       []struct{ Position, Error string }
		}
		if err := json.Unmarshal([]byte(resp), &ans); err != nil || ans.Accepted != 2 || ans.DeadLettered != len(broken) {
			t.Fatalf("ingest answer %s: want 2 accepted, %d dead-lettered", resp, len(broken))
		}
		for field := range broken {
			found := false
			for _, e := range ans.Errors {
				found = found || strings.HasPrefix(e.Error, field+": ")
			}
			if !found {
				t.Errorf("no error names %s: %+v", field, ans.Errors)
			}
		}
		hook.next(t, "the first decoy access")
		hook.next(t, "the decoy access with a null correlationId")

		var alerts struct {
			Alerts []struct {
				Token         string `json:"token"`
				CorrelationID string `json:"correlation_id"`
			} `json:"alerts"`
		}
		apiGet(t, srv, "/api/v1/alerts", &alerts)
		got := map[string]string{}
		for _, a := range alerts.Alerts {
			got[a.Token] = a.CorrelationID
		}
		if len(got) != 2 || got[decoys[0]] != "corr-types" || got[decoys[1]] != "" {
			t.Errorf("alerts %+v; want %s (corr-types) and %s (no correlation id)", alerts.Alerts, decoys[0], decoys[1])
		}
	})
}

// replaced returns s with old replaced by new, failing the test when s
// does not hold old.
func replaced(t *testing.T, s, old, new string) string {
	t.Helper()
	if !strings.Contains(s, old) {
		t.Fatalf("%q not in %s", old, s)
	}
	return strings.Replace(s, old, new, 1)
}
