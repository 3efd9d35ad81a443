package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// The original's test, the covering of tracks and the uses of a canary
// value of each kind pass against a healthy lab, and the report is
// SPEC.md's JSON exactly. Four vaults: three the outsiders may read, so
// the deletion has a vault of its own and each canary kind a vault.
func TestSelftestPasses(t *testing.T) {
	rep, err := Selftest(testContext(t), Options{Dir: t.TempDir(), Vaults: 4})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK {
		t.Fatalf("selftest failed: %v", rep.Problems)
	}
	if got, want := len(rep.Checks), 8; got != want {
		t.Fatalf("got %d checks; want %d", got, want)
	}
	ops := []string{}
	for _, c := range rep.Checks {
		ops = append(ops, c.Operation)
		if c.IncidentID == nil || *c.IncidentID < 1 || c.SecondsToIncident == nil || *c.SecondsToIncident < 0 {
			t.Errorf("%s: incident %v after %v", c.Operation, c.IncidentID, c.SecondsToIncident)
		}
		want := outsiders[0].Identity.UPN
		switch {
		case strings.HasPrefix(c.Operation, "canary:"):
			// A canary use has no identity: the listener names the address.
			want = "127.0.0.1"
		case c.Operation == "vault:read":
			// Vault names an OIDC login by its display name.
			want = outsiders[0].VaultName
		case c.Operation == "GetSecretValue":
			want = "arn:aws:sts::" + awsAccount + ":assumed-role/" + awsReaderRole + "/" + outsiders[0].AWSSession
		}
		if got := c.Caller; got != want {
			t.Errorf("%s: caller %q; want %q", c.Operation, got, want)
		}
		if tamper := c.Operation == opDiagnosticSettingsDelete; (c.Token == "") != tamper || c.Vault == "" {
			t.Errorf("%s: token %q, vault %q", c.Operation, c.Token, c.Vault)
		}
	}
	if got, want := ops, []string{"KeyGet", "SecretGet", "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE", "canary:http", "canary:dns", "canary:postgres",
		"vault:read", "GetSecretValue"}; !slices.Equal(got, want) {
		t.Errorf("got operations %q; want %q", got, want)
	}
	// The reads beyond Azure name the store: a Vault mount of the lab's
	// cluster, a region of its AWS account.
	if v := rep.Checks[6].Vault; !strings.HasPrefix(v, vaultCluster+"/") {
		t.Errorf("vault:read in %q; want a mount of %s", v, vaultCluster)
	}
	if v := rep.Checks[7].Vault; !strings.HasPrefix(v, awsAccount+"/") {
		t.Errorf("GetSecretValue in %q; want a region of account %s", v, awsAccount)
	}
	// The deletion is in a vault of its own: the accesses' logs still flow,
	// and its incident is the tamper alert's alone.
	if c := rep.Checks[2]; c.Vault == rep.Checks[0].Vault || c.Vault == rep.Checks[1].Vault ||
		*c.IncidentID == *rep.Checks[0].IncidentID || *c.IncidentID == *rep.Checks[1].IncidentID {
		t.Errorf("the deletion in %s, incident %d; want another vault and incident than the accesses'", c.Vault, *c.IncidentID)
	}
	var text strings.Builder
	rep.WriteText(&text)
	if !strings.Contains(text.String(), "PASS  MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE "+rep.Checks[2].Vault+"/audit-to-seclogs") {
		t.Errorf("text report lacks the deletion's PASS:\n%s", text.String())
	}
	for _, c := range rep.Checks[3:6] {
		if !strings.Contains(text.String(), "PASS  "+c.Operation+" the value of secret "+c.Vault+"/"+c.Token) {
			t.Errorf("text report lacks %s's PASS:\n%s", c.Operation, text.String())
		}
	}
	for _, c := range rep.Checks[6:] {
		if !strings.Contains(text.String(), "PASS  "+c.Operation+" secret "+c.Vault+"/"+c.Token) {
			t.Errorf("text report lacks %s's PASS:\n%s", c.Operation, text.String())
		}
	}
	t.Logf("%s", text.String())
	// Two vaults, so two incidents (grouped per vault and caller).
	if a, b := rep.Checks[0], rep.Checks[1]; a.Vault == b.Vault || *a.IncidentID == *b.IncidentID {
		t.Errorf("both accesses in %s/%s, incidents %d/%d; want two vaults and two incidents", a.Vault, b.Vault, *a.IncidentID, *b.IncidentID)
	}
	for _, o := range rep.Extra {
		if !o.OK {
			t.Errorf("%s: %s", o.What, o.Detail)
		}
	}
	if got, want := len(rep.Extra), 2; got != want {
		t.Errorf("got %d further checks (webhook, planter); want %d", got, want)
	}

	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if got, want := sortedKeys(doc), []string{"checks", "ok"}; !reflect.DeepEqual(got, want) {
		t.Errorf("report keys %q; want %q", got, want)
	}
	for _, c := range doc["checks"].([]any) {
		want := []string{"caller", "incident_id", "operation", "seconds_to_incident", "token", "vault"}
		if got := sortedKeys(c.(map[string]any)); !reflect.DeepEqual(got, want) {
			t.Errorf("check keys %q; want %q", got, want)
		}
	}
}

func sortedKeys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// With the vaults' audit logs going nowhere, no access becomes an incident:
// the selftest says so and is not OK. The canary values used outside Key
// Vault still are: the listeners, not the audit log, see them.
func TestSelftestFailsWithoutIngestion(t *testing.T) {
	rep, err := Selftest(testContext(t), Options{Dir: t.TempDir(), Vaults: 4, noIngest: true, wait: 1500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK {
		t.Fatal("selftest passed with ingestion off")
	}
	// The two accesses, the deletion of a diagnostic setting, a use of
	// each canary kind, and the reads in Vault and Secrets Manager (whose
	// socket device and EventBridge rule send nothing either).
	if got, want := len(rep.Checks), 8; got != want {
		t.Fatalf("got %d checks; want %d", got, want)
	}
	for _, c := range append(rep.Checks[:3:3], rep.Checks[6:]...) {
		if c.IncidentID != nil || c.SecondsToIncident != nil {
			t.Errorf("%s: incident %d without ingestion", c.Operation, *c.IncidentID)
		}
	}
	for _, c := range rep.Checks[3:6] {
		if !strings.HasPrefix(c.Operation, "canary:") || c.IncidentID == nil {
			t.Errorf("the canary use %+v; want its incident", c)
		}
	}
	got := strings.Join(rep.Problems, "\n")
	if !strings.Contains(got, "became no incident") || !strings.Contains(got, "deleting diagnostic setting audit-to-seclogs of") {
		t.Errorf("problems %q do not say the accesses and the deletion became no incident", got)
	}
	for _, c := range rep.Checks[6:] {
		if want := c.Operation + " of secret " + c.Token + " in " + c.Vault + " became no incident"; !strings.Contains(got, want) {
			t.Errorf("problems %q lack %q", got, want)
		}
	}
	if strings.Contains(got, "canary:") {
		t.Errorf("problems %q name a canary use", got)
	}
	b, _ := json.Marshal(rep)
	if !strings.Contains(string(b), `"incident_id":null`) || !strings.Contains(string(b), `"ok":false`) {
		t.Errorf("JSON %s", b)
	}
}

// Without decoys there is nothing to touch: not OK, and the JSON still has
// a checks array.
func TestSelftestFailsWithoutDecoys(t *testing.T) {
	rep, err := Selftest(testContext(t), Options{Dir: t.TempDir(), Vaults: 4, noPlant: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK {
		t.Fatal("selftest passed without decoys")
	}
	if got := strings.Join(rep.Problems, "\n"); !strings.Contains(got, "no decoy key") || !strings.Contains(got, "no decoy secret") ||
		!strings.Contains(got, "no vault with decoys to cover tracks in") || !strings.Contains(got, "no decoy secret carrying a http canary") ||
		!strings.Contains(got, "no decoy in the lab's Vault server to read") || !strings.Contains(got, "no decoy in the lab's AWS Secrets Manager to read") {
		t.Errorf("problems %q", got)
	}
	if b, _ := json.Marshal(rep); string(b) != `{"ok":false,"checks":[]}` {
		t.Errorf("JSON %s", b)
	}
	var text strings.Builder
	rep.WriteText(&text)
	if !strings.Contains(text.String(), "selftest FAILED") {
		t.Errorf("text report:\n%s", text.String())
	}
}

// With the subscriptions' Activity logs going nowhere, the accesses still
// become incidents but the deleted diagnostic setting goes unseen: the
// selftest says so and is not OK, in the text and the JSON.
func TestSelftestFailsWhenTamperingGoesUnseen(t *testing.T) {
	rep, err := Selftest(testContext(t), Options{Dir: t.TempDir(), Vaults: 4, noActivity: true, wait: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK {
		t.Fatal("selftest passed with the Activity logs unread")
	}
	if got, want := len(rep.Checks), 8; got != want {
		t.Fatalf("got %d checks; want %d", got, want)
	}
	for _, c := range append(rep.Checks[:2:2], rep.Checks[3:]...) {
		if c.IncidentID == nil {
			t.Errorf("%s: no incident; the vaults' audit logs and the canary listeners still work", c.Operation)
		}
	}
	if c := rep.Checks[2]; c.Operation != opDiagnosticSettingsDelete || c.IncidentID != nil || c.SecondsToIncident != nil {
		t.Errorf("the deletion's check %+v; want no incident", c)
	}
	want := "deleting diagnostic setting audit-to-seclogs of " + rep.Checks[2].Vault + " became no incident"
	if got := strings.Join(rep.Problems, "\n"); !strings.Contains(got, want) {
		t.Errorf("problems %q lack %q", got, want)
	}
	var text strings.Builder
	rep.WriteText(&text)
	if !strings.Contains(text.String(), "FAIL  MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE "+rep.Checks[2].Vault) {
		t.Errorf("text report:\n%s", text.String())
	}
	b, _ := json.Marshal(rep)
	if !strings.Contains(string(b), `"operation":"MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE","token":"","vault":"`+rep.Checks[2].Vault+`"`) ||
		!strings.Contains(string(b), `"incident_id":null`) {
		t.Errorf("JSON %s", b)
	}
}

// A lab of one, two or three vaults — fewer readable ones than canary
// kinds — still passes every check: a readable vault carries several
// kinds, one decoy secret each, and each kind's value is read and used.
func TestSelftestPassesWithFewVaults(t *testing.T) {
	for _, n := range []int{1, 2, 3} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			rep, err := Selftest(testContext(t), Options{Dir: t.TempDir(), Vaults: n})
			if err != nil {
				t.Fatal(err)
			}
			if !rep.OK {
				t.Fatalf("selftest with %d vaults failed: %v", n, rep.Problems)
			}
			var ops []string
			for _, c := range rep.Checks {
				ops = append(ops, c.Operation)
				if c.IncidentID == nil {
					t.Errorf("%s: no incident", c.Operation)
				}
			}
			if want := []string{"KeyGet", "SecretGet", "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE", "canary:http", "canary:dns", "canary:postgres",
				"vault:read", "GetSecretValue"}; !slices.Equal(ops, want) {
				t.Errorf("operations %q; want %q", ops, want)
			}
		})
	}
}
