package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/api"
)

// auditLine is one AuditEvent JSON line in kv-orders whose fields are put in
// as given: JSON string contents, so a test can put escapes (\u0000) and raw
// bytes that are not UTF-8 where Azure would put text.
func auditLine(secret, oid, upn, clientInfo, corr, resultDesc string) string {
	return fmt.Sprintf(`{"time":"%s","resourceId":"%s","operationName":"SecretGet","category":"AuditEvent",`+
		`"resultType":"Success","resultSignature":"OK","resultDescription":"%s","callerIpAddress":"203.0.113.9","correlationId":"%s",`+
		`"identity":{"claim":{"oid":"%s","upn":"%s"}},`+
		`"properties":{"clientInfo":"%s","requestUri":"https://kv-orders.vault.azure.net/secrets/%s/?api-version=7.4","httpStatusCode":200}}`,
		time.Now().UTC().Format(time.RFC3339Nano), vaultID, resultDesc, corr, oid, upn, clientInfo, secret)
}

// A record holding text PostgreSQL cannot store (a NUL, bytes that are not
// UTF-8, a caller name too long for an index) used to be refused with
// everything in its request — 503 "retry" on every try, forever, so a decoy
// access in the same request never alerted — while SQLite stored it. Both
// now store the same thing: text made storable when it is parsed, NUL as
// \u0000 and each byte that is not UTF-8 as \xNN, so an analyst sees what
// was sent; a broken record holding such bytes is dead-lettered the same way.
func TestUnstorableTextStoredAlikeAndDecoysAlert(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		hook := newWebhook(t, nil)
		srv := startServer(t, dsn, "HONEYVAULT_NOTIFY_WEBHOOK="+hook.URL)
		longUPN := strings.Repeat("x9Q2", 2500) + "@contoso.com" // 10 KB of text that does not compress
		body := strings.Join([]string{
			// A decoy access with a NUL in its own client info.
			auditLine(decoys[0], "attacker-nul", "nul@contoso.com", `azsdk-go\u0000evil`, "corr-nul", ""),
			// A decoy access whose UPN is not UTF-8.
			auditLine(decoys[1], "attacker-latin1", "mall\xf6ry\xff@contoso.com", "azsdk-go", "corr-latin1", ""),
			// A decoy access by a caller whose UPN is too long for a PostgreSQL index.
			auditLine(decoys[2], "", longUPN, "azsdk-go", "corr-long", ""),
			// An ordinary record full of both, read by the first attacker.
			auditLine("not-a-decoy", "attacker-nul", "nul@contoso.com", "curl\\u0000", "corr-\xc3\x28", "bad\\u0000desc \xe2\x82"),
			// A broken record holding a raw NUL and bytes that are not UTF-8.
			"{\"time\":\"2026-11-20T08:00:00Z\",\"operationName\":\x00\xff\"SecretGet\"",
		}, "\n") + "\n"
		code, resp := ingest(t, srv, body)
		if code != 202 {
			t.Fatalf("ingest: %d %s; want 202", code, resp)
		}
		var acc struct {
			Accepted     int `json:"accepted"`
			DeadLettered int `json:"dead_lettered"`
		}
		if err := json.Unmarshal([]byte(resp), &acc); err != nil || acc.Accepted != 4 || acc.DeadLettered != 1 {
			t.Fatalf("ingest answer %s: want 4 records accepted, 1 dead-lettered", resp)
		}
		for i := range 3 {
			hook.next(t, fmt.Sprintf("decoy access %d of 3", i+1))
		}

		var list api.IncidentList
		apiGet(t, srv, "/api/v1/incidents", &list)
		if len(list.Incidents) != 3 {
			t.Fatalf("%d incidents; want 3", len(list.Incidents))
		}
		alerts := map[string]api.Alert{}
		var related []api.Event
		for _, in := range list.Incidents {
			var d api.IncidentDetail
			apiGet(t, srv, fmt.Sprintf("/api/v1/incidents/%d", in.ID), &d)
			for _, a := range d.Alerts {
				alerts[a.CorrelationID] = a
			}
			if d.Alerts[0].CorrelationID == "corr-nul" {
				related = d.Related.Events
			}
		}
		if a := alerts["corr-nul"]; a.Token != decoys[0] || a.Caller.ClientInfo != `azsdk-go\u0000evil` {
			t.Errorf("NUL in client info: alert %+v; want token %s, client info azsdk-go\\u0000evil", a, decoys[0])
		}
		if a := alerts["corr-latin1"]; a.Token != decoys[1] || a.Caller.UPN != `mall\xf6ry\xff@contoso.com` {
			t.Errorf("UPN not UTF-8: alert %+v; want token %s, upn mall\\xf6ry\\xff@contoso.com", a, decoys[1])
		}
		if a := alerts["corr-long"]; a.Token != decoys[2] || a.Caller.UPN != longUPN {
			t.Errorf("10 KB UPN: alert for %s with a UPN of %d bytes; want %s with the whole UPN", a.Token, len(a.Caller.UPN), decoys[2])
		}
		var ordinary *api.Event
		for i := range related {
			if related[i].ObjectName == "not-a-decoy" {
				ordinary = &related[i]
			}
		}
		if ordinary == nil || ordinary.CorrelationID != `corr-\xc3(` || ordinary.Caller.ClientInfo != `curl\u0000` {
			t.Errorf("the first attacker's ordinary read: %+v; want correlation id corr-\\xc3( and client info curl\\u0000", ordinary)
		}

		var dead struct {
			DeadLetters []struct{ Position, Reason, Raw string } `json:"dead_letters"`
		}
		apiGet(t, srv, "/api/v1/dead-letters", &dead)
		if len(dead.DeadLetters) != 1 || dead.DeadLetters[0].Raw != `{"time":"2026-11-20T08:00:00Z","operationName":\u0000\xff"SecretGet"` {
			t.Errorf("dead letters %+v; want the broken record with its NUL and byte 0xff escaped", dead.DeadLetters)
		}
	})
}
