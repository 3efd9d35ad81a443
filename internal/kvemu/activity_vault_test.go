package kvemu

import (
	"net/http"
	"strings"
	"testing"
)

// A vault's network rules changed, then the vault deleted: the Activity
// log has each as Azure writes it — operationName.value, status, caller,
// claims, and the network rules in the Start record's request body — so a
// tamper rule can tell what changed and who changed it.
func TestActivityNetworkRulesAndVaultDeletion(t *testing.T) {
	env := newTestEnv(t, Options{})
	v, _ := env.e.Vault(apVault)
	acl := map[string]any{"properties": map[string]any{"networkAcls": map[string]any{"defaultAction": "Deny", "bypass": "None"}}}
	if status, body := env.armDo(t, admin, http.MethodPatch, v.ID+"?api-version=2023-07-01", acl); status != http.StatusOK {
		t.Fatalf("patch: %d %s", status, body)
	}
	if status, body := env.armDo(t, admin, http.MethodDelete, v.ID+"?api-version=2023-07-01", nil); status != http.StatusOK {
		t.Fatalf("delete: %d %s", status, body)
	}
	evs := env.activityEvents(t, v.ID) // newest first
	var got []string
	for _, ev := range evs {
		got = append(got, strings.ToLower(ev.OperationName.Value)+" "+ev.Status.Value)
		if ev.Claims[ClaimOIDURI] != admin.ObjectID || ev.Caller == "" || !strings.EqualFold(ev.ResourceID, v.ID) {
			t.Errorf("event %s %s: caller %q, claims %v, resource %s", ev.OperationName.Value, ev.Status.Value, ev.Caller, ev.Claims, ev.ResourceID)
		}
	}
	want := []string{
		"microsoft.keyvault/vaults/delete Succeeded", "microsoft.keyvault/vaults/delete Started",
		"microsoft.keyvault/vaults/write Succeeded", "microsoft.keyvault/vaults/write Started",
	}
	if strings.Join(got, " | ") != strings.Join(want, " | ") {
		t.Fatalf("events %v; want %v", got, want)
	}
	if start := evs[3]; !strings.Contains(start.Properties["requestbody"], `"networkAcls"`) {
		t.Errorf("the write's Start record lacks the network rules: %v", start.Properties)
	}
}
