package incident

import (
	"testing"
	"time"

	"github.com/honeyvault/honeyvault/internal/auditlog"
)

func TestRelatedActivity(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		e.ingest(t,
			access{at: -30 * time.Hour, caller: "mallory", vault: "kv-other", object: "x"}, // outside ±24h
			access{at: -2 * time.Hour, caller: "mallory", vault: "kv-other", object: "app-setting"},
			access{at: -time.Hour, caller: "mallory", vault: "kv-pay", object: ""}, // a list call
			access{at: -time.Hour, caller: "app1", vault: "kv-pay", object: "real-secret"},
			access{at: -time.Hour, caller: "app1", vault: "kv-pay", object: "real-secret-2"},
			access{at: -time.Minute, caller: "app2", vault: "kv-pay", object: "real-secret"},
			access{at: 0, caller: "mallory", vault: "kv-pay", object: "db-password"},
			access{at: 3 * time.Hour, caller: "mallory", vault: "kv-hr", object: "payroll"},
			access{at: 3 * time.Hour, caller: "app3", vault: "kv-hr", object: "payroll"},
		)
		// Two requests without a token (the SDK's auth challenge) on kv-pay:
		// no identity, only an address, answered 401.
		for _, at := range []time.Duration{-3 * time.Hour, -2 * time.Hour} {
			ev := e.event(access{at: at, vault: "kv-pay", object: "real-secret"})
			ev.Caller = auditlog.Caller{IP: "198.51.100.4", ClientInfo: "azsdk-go/1.0"}
			ev.Operation, ev.ResultType, ev.ResultSignature, ev.HTTPStatus = "SecretGet", "Success", "Unauthorized", 401
			e.ingestEvents(t, ev)
		}
		in := e.incidents(t)[0]
		r, err := RelatedActivity(ctx, e.st, in, 24*time.Hour, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !r.From.Equal(t0.Add(-24*time.Hour)) || !r.To.Equal(t0.Add(24*time.Hour)) {
			t.Errorf("window %v..%v", r.From, r.To)
		}
		var got []string
		for _, ev := range r.Events {
			got = append(got, ev.Event.VaultName+"/"+ev.Event.ObjectName)
		}
		if want := "[kv-other/app-setting kv-pay/ kv-pay/db-password kv-hr/payroll]"; fmtList(got) != want {
			t.Errorf("mallory's activity: got %s; want %s", fmtList(got), want)
		}
		if len(r.Others) != 1 || r.Others[0].Vault != "kv-pay" {
			t.Fatalf("others: %+v", r.Others)
		}
		// The challenges outnumber app2's requests, yet an address without
		// an identity comes after every actor, marked as such.
		cs := r.Others[0].Callers
		if len(cs) != 3 || cs[0].CallerKey != "app1" || cs[0].Events != 2 || cs[1].CallerKey != "app2" || cs[0].UPN != "app1@example.com" ||
			cs[0].Unauthenticated || cs[1].Unauthenticated {
			t.Errorf("who else on kv-pay: %+v", cs)
		}
		if len(cs) == 3 && (cs[2].CallerKey != "198.51.100.4" || !cs[2].Unauthenticated || cs[2].Events != 2 || cs[2].IP != "198.51.100.4") {
			t.Errorf("the unauthenticated requests on kv-pay: %+v", cs[2])
		}
		r, _ = RelatedActivity(ctx, e.st, in, 3*time.Hour, 2) // 3 of mallory's events in it
		if len(r.Events) != 2 || !r.Truncated {
			t.Errorf("limit 2: %d events, truncated %v", len(r.Events), r.Truncated)
		}
	})
}

func fmtList(s []string) string {
	out := "["
	for i, v := range s {
		if i > 0 {
			out += " "
		}
		out += v
	}
	return out + "]"
}
