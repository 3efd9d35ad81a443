package azpolicy_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/armcheck"
	"github.com/honeyvault/honeyvault/internal/azpolicy"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from what Template renders")

const link = "https://honeyvault.contoso.com/vaults"

// TestTemplateGolden holds the template to testdata/policy.golden and
// checks its ARM structure and what each policy must say.
func TestTemplateGolden(t *testing.T) {
	b, err := azpolicy.Template(azpolicy.Options{Link: link})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "policy.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if !bytes.Equal(b, want) {
		t.Errorf("the template differs from %s (go test -update rewrites it after a deliberate change)", path)
	}

	tpl := armcheck.Template(t, b)
	if s := tpl["$schema"].(string); !strings.Contains(s, "subscriptionDeploymentTemplate") {
		t.Errorf("schema %s: want subscription scope", s)
	}
	defs := map[string]map[string]any{}
	for _, d := range armcheck.Resources(tpl, "Microsoft.Authorization/policyDefinitions") {
		defs[d["name"].(string)] = d["properties"].(map[string]any)
	}
	effect := func(name string) string {
		p := defs[name]
		if p == nil {
			t.Fatalf("no policy definition %s", name)
		}
		e := p["policyRule"].(map[string]any)["then"].(map[string]any)["effect"].(string)
		if strings.HasPrefix(e, "[[parameters(") { // the default of its effect parameter
			return p["parameters"].(map[string]any)["effect"].(map[string]any)["defaultValue"].(string)
		}
		return e
	}
	if got := effect(azpolicy.TagPolicyName); got != "modify" {
		t.Errorf("tag policy effect %s; want modify", got)
	}
	if got := effect(azpolicy.ReviewPolicyName); got != "Audit" {
		t.Errorf("review policy effect %s; want Audit", got)
	}
	if got := effect(azpolicy.DiagnosticsPolicyName); got != "DeployIfNotExists" {
		t.Errorf("diagnostics policy effect %s; want DeployIfNotExists", got)
	}
	sc := defs[azpolicy.ReviewPolicyName]["metadata"].(map[string]any)["securityCenter"].(map[string]any)
	if !strings.Contains(sc["RemediationDescription"].(string), link) {
		t.Errorf("the review policy's remediation text does not link %s: %v", link, sc)
	}
	tagDefaults := defs[azpolicy.TagPolicyName]["parameters"].(map[string]any)
	if tagDefaults["tagName"].(map[string]any)["defaultValue"] != "KVReview" || tagDefaults["tagValue"].(map[string]any)["defaultValue"] != "ReviewNeeded" {
		t.Errorf("tag policy defaults %v; want KVReview=ReviewNeeded", tagDefaults)
	}
	diag, _ := json.Marshal(defs[azpolicy.DiagnosticsPolicyName])
	for _, want := range []string{`"category":"AuditEvent"`, "eventHubAuthorizationRuleId", "eventHubName", "storageAccountId",
		"workspaceId", "roleDefinitionIds", "749f88d5-cbae-40b8-bcfc-e573ddc772fa"} {
		if !bytes.Contains(diag, []byte(want)) {
			t.Errorf("the diagnostics policy lacks %s", want)
		}
	}
	sets := armcheck.Resources(tpl, "Microsoft.Authorization/policySetDefinitions")
	if len(sets) != 1 {
		t.Fatalf("%d initiatives; want 1", len(sets))
	}
	props := sets[0]["properties"].(map[string]any)
	if cat := props["metadata"].(map[string]any)["category"]; cat != "Deception" {
		t.Errorf("initiative category %v; want Deception", cat)
	}
	refs := props["policyDefinitions"].([]any)
	if len(refs) != 3 {
		t.Fatalf("the initiative groups %d policies; want 3", len(refs))
	}
	for _, r := range refs {
		ref := r.(map[string]any)
		def := defs[ref["policyDefinitionReferenceId"].(string)]
		for name := range ref["parameters"].(map[string]any) {
			if _, ok := def["parameters"].(map[string]any)[name]; !ok {
				t.Errorf("the initiative passes %s to %s, which has no such parameter", name, ref["policyDefinitionReferenceId"])
			}
		}
	}
}

// TestTagOptions: configured tag names and values replace the defaults.
func TestTagOptions(t *testing.T) {
	b, err := azpolicy.Template(azpolicy.Options{Link: "http://127.0.0.1:8080/vaults", TagName: "DecoyReview", ReviewNeeded: "Todo", Reviewed: "Done"})
	if err != nil {
		t.Fatal(err)
	}
	armcheck.Template(t, b)
	for _, want := range []string{`"defaultValue": "DecoyReview"`, `"defaultValue": "Todo"`, `"defaultValue": "Done"`, "http://127.0.0.1:8080/vaults"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("template lacks %s", want)
		}
	}
	if bytes.Contains(b, []byte("KVReview")) {
		t.Errorf("template still names KVReview")
	}
}

func TestBadOptions(t *testing.T) {
	tests := []struct {
		o    azpolicy.Options
		want string
	}{
		{azpolicy.Options{}, "--link is required"},
		{azpolicy.Options{Link: "honeyvault.contoso.com/vaults"}, "absolute URL"},
		{azpolicy.Options{Link: "http://honeyvault.contoso.com/vaults"}, "want https"},
		{azpolicy.Options{Link: "http://localhost:8080/vaults"}, "want https"},
		{azpolicy.Options{Link: "ftp://honeyvault.contoso.com/"}, "want https"},
		{azpolicy.Options{Link: "https://user:pw@honeyvault.contoso.com/"}, "user info"},
		{azpolicy.Options{Link: "https://honeyvault.contoso.com/x')]"}, "percent-encoded"},
		{azpolicy.Options{Link: link, TagName: "KV'Review"}, "tag name"},
		{azpolicy.Options{Link: link, Reviewed: "ReviewNeeded"}, "both"},
	}
	for _, tt := range tests {
		_, err := azpolicy.Template(tt.o)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: error %v; want one saying %q", tt.o, err, tt.want)
		}
	}
}
