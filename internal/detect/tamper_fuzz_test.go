package detect

import (
	"strings"
	"testing"

	"github.com/honeyvault/honeyvault/internal/auditlog"
)

// FuzzTamperBodies feeds the rules' body readers (SendsAuditEvent and the
// vault write's) arbitrary request and response bodies: they never panic,
// a diagnostic setting's write alerts unless the body shows AuditEvent
// still sent, a body is judged the same with blanks around it, and a vault
// write yields only the classes it may. Seeds: testdata/fuzz/FuzzTamperBodies.
func FuzzTamperBodies(f *testing.F) {
	for _, s := range []string{"", "{}", "null", "[]", `"x"`, metricsOnly, allLogs, networkACL, tagsOnly, readerRole,
		`{"properties":{"accessPolicies":[]}}`, `{"properties":null}`, `{"properties":{"logs":null,"workspaceId":"w"}}`,
		`{"logs":[{"categoryGroup":"AUDIT","enabled":true}],"storageAccountId":"s"}`,
		`{"properties":{"logs":[{"category":"auditevent","enabled":"yes"}],"workspaceId":"w"}}`} {
		f.Add(s)
	}
	valid := map[Class]bool{"": true, ClassAccessPolicy: true, ClassNetworkRules: true, ClassVaultChanged: true}
	f.Fuzz(func(t *testing.T, body string) {
		sends, known := SendsAuditEvent(body)
		if sends && !known {
			t.Fatalf("sends without knowing: %q", body)
		}
		if s2, k2 := SendsAuditEvent(" \n" + body + "\t"); s2 != sends || k2 != known {
			t.Fatalf("blanks changed the verdict on %q", body)
		}
		ev := auditlog.Event{Kind: auditlog.KindActivity, Status: "Succeeded", Operation: strings.ToLower(OpDiagnosticSettingsWrite), ResponseBody: body}
		if c := TamperClass(&ev); (c == "") != (known && sends) {
			t.Fatalf("class %q for a body that sends %v, known %v: %q", c, sends, known, body)
		}
		if c := vaultWriteClass(body); !valid[c] {
			t.Fatalf("vault write class %q for %q", c, body)
		}
	})
}
