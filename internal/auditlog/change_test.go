package auditlog

import (
	"strings"
	"testing"
)

// An Activity record's request and response bodies are read from every
// shape's spelling of its properties; properties of any other form leave
// them empty without failing the record (its change is then unknown).
func TestActivityBodies(t *testing.T) {
	const setting = `{"properties":{"logs":[{"category":"AuditEvent","enabled":false}]}}`
	quoted := strings.ReplaceAll(setting, `"`, `\"`)
	export := `{"time":"2026-11-20T08:00:01Z","operationName":"MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/WRITE","category":"Administrative","resultType":"Start",` +
		`"resourceId":"/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV","properties":PROPS}`
	row := `{"TimeGenerated":"2026-11-20T08:00:01Z","OperationNameValue":"MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/WRITE","ActivityStatusValue":"Success",` +
		`"_ResourceId":"/subscriptions/s/resourcegroups/rg/providers/microsoft.keyvault/vaults/kv","Type":"AzureActivity","Properties_d":PROPS}`
	tests := []struct {
		name, rec, props string
		request, resp    string
	}{
		{"export, requestbody as text", export, `{"requestbody":"` + quoted + `"}`, setting, ""},
		{"export, responseBody as text", export, `{"statusCode":"OK","responseBody":"` + quoted + `"}`, "", setting},
		{"a body given as an object", export, `{"RequestBody":` + setting + `}`, setting, ""},
		{"AzureActivity, Properties_d as text", row, `"{\"requestbody\":\"` + strings.ReplaceAll(quoted, `\`, `\\\`) + `\"}"`, setting, ""},
		{"AzureActivity, Properties_d as an object", row, `{"responseBody":"` + quoted + `"}`, "", setting},
		{"properties an array", export, `[1,2]`, "", ""},
		{"properties a number", export, `7`, "", ""},
		{"properties text that is not JSON", row, `"not json"`, "", ""},
		{"a body that is not an object", export, `{"requestbody":"[1]","responseBody":"{broken"}`, "", ""},
		{"a body of the wrong type", export, `{"requestbody":42}`, "", ""},
		{"no properties", export, `null`, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := ParseRecord([]byte(strings.Replace(tt.rec, "PROPS", tt.props, 1)))
			if err != nil {
				t.Fatal(err)
			}
			if ev.Kind != KindActivity || ev.RequestBody != tt.request || ev.ResponseBody != tt.resp {
				t.Errorf("kind %s, request %q, response %q; want %q, %q", ev.Kind, ev.RequestBody, ev.ResponseBody, tt.request, tt.resp)
			}
		})
	}
}
