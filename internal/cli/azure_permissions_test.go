package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

// azure permissions against the emulator: the needs and the commands that
// grant them, then each vault checked without writing — the locked vault's
// planting is missing with its fix, and a refused diagnostic-settings read
// names Monitoring Reader; --no-check only prints; --arm is a template.
func TestAzurePermissionsVerb(t *testing.T) {
	emu, db := plantEstate(t)
	code, out, stderr := runNames(t, "", "azure", "permissions", "--db", db, "--no-check")
	if code != 0 {
		t.Fatalf("--no-check: exit %d\n%s\n%s", code, out, stderr)
	}
	for _, want := range []string{"What planter@contoso.com (object id " + cliPlanter.ObjectID + ") needs:",
		"discovery                   subscription  Reader ",
		"plant and retire secrets", "secrets/list secrets/set secrets/delete secrets/purge",
		"KVReview tags (optional)", "Tag Contributor",
		`az role assignment create --role "Reader" --assignee-object-id ` + cliPlanter.ObjectID + " --assignee-principal-type User --scope /subscriptions/" + plantSub,
		`# optional (KVReview tags): az role assignment create --role "Tag Contributor"`,
		"# az keyvault set-policy --subscription <subscription> --resource-group <resource-group> --name <vault> --object-id " + cliPlanter.ObjectID + " --secret-permissions delete list purge set --key-permissions create delete get list purge"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "On each vault") {
		t.Errorf("--no-check checked:\n%s", out)
	}

	emu.DenyDiagnosticsRead(cliPlanter.ObjectID, true)
	code, out, stderr = runNames(t, "", "azure", "permissions", "--db", db)
	if code != 1 {
		t.Errorf("check with a locked vault: exit %d; want 1\n%s\n%s", code, out, stderr)
	}
	for _, want := range []string{"VAULT            MODEL", "kv-orders-prod   access policies  granted    granted",
		"kv-locked        access policies  granted    missing secrets/list (observed: list call refused (403))",
		"missing: Monitoring Reader (or Reader) on the vault", "Fix:\n  az keyvault set-policy", "permissions missing."} {
		if !strings.Contains(out, want) {
			t.Errorf("check lacks %q:\n%s", want, out)
		}
	}

	code, out, _ = runNames(t, "", "azure", "permissions", "--arm")
	if code != 0 {
		t.Fatalf("--arm: exit %d\n%s", code, out)
	}
	var tpl struct {
		Parameters map[string]json.RawMessage
		Resources  []struct {
			Type       string
			Condition  string
			Properties map[string]string
		}
	}
	if err := json.Unmarshal([]byte(out), &tpl); err != nil {
		t.Fatalf("--arm is not JSON: %v\n%s", err, out)
	}
	roles := map[string]string{}
	for _, r := range tpl.Resources {
		if r.Type != "Microsoft.Authorization/roleAssignments" || r.Properties["principalId"] != "[parameters('principalId')]" {
			t.Errorf("resource %+v", r)
		}
		roles[r.Properties["roleDefinitionId"]] = r.Condition
	}
	for id, cond := range map[string]string{"acdd72a7-3385-48ef-bd42-f606fba81ae7": "", "43d0d8ad-25c7-4714-9337-8ba259a9fe05": "",
		"b86a8fe4-44ce-4948-aee5-eccb2c155cd7": "", "4a9ae827-6dc8-4573-8ac7-8239d42aa03f": "[parameters('grantKVReviewTags')]"} {
		got, ok := roles["[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '"+id+"')]"]
		if !ok || got != cond {
			t.Errorf("role %s: present %v, condition %q; want %q", id, ok, got, cond)
		}
		if cond != "" {
			p := strings.TrimSuffix(strings.TrimPrefix(cond, "[parameters('"), "')]")
			if _, ok := tpl.Parameters[p]; !ok {
				t.Errorf("condition names parameter %s, which the template lacks", p)
			}
		}
	}
}
