package armcheck

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestCheckFindsFaults: each broken template yields the error that names
// its fault, and a sound one none.
func TestCheckFindsFaults(t *testing.T) {
	tests := []struct {
		tpl  string
		want string // "" for a sound template
	}{
		{`{"$schema":"s","contentVersion":"1","parameters":{"ws":{}},"resources":[{"type":"T","apiVersion":"1","name":"[parameters('ws')]","properties":{"a":1}}]}`, ""},
		{`{"$schema":"s","contentVersion":"1","resources":[{"type":"T","apiVersion":"1","name":"[parameters('ws')]","properties":{"a":1}}]}`, `undeclared parameters "ws"`},
		{`{"$schema":"s","contentVersion":"1","resources":[{"type":"T","name":"n","properties":{"a":1}}]}`, "lacks apiVersion"},
		{`{"$schema":"s","contentVersion":"1","resources":[{"type":"T","apiVersion":"1","name":"n"}]}`, "lacks properties"},
		{`{"contentVersion":"1","resources":[{"type":"T","apiVersion":"1","name":"n","properties":{"a":1}}]}`, "lacks $schema"},
		{`{"$schema":"s","contentVersion":"1","resources":[{"type":"T","apiVersion":"1","name":"n","properties":{"parameters":{"a":{}},"rule":"[[parameters('b')]"}}]}`, `names parameter "b"`},
		{`{"$schema":"s","contentVersion":"1","resources":[{"type":"T","apiVersion":"1","name":"n","properties":{"d":{"template":{"$schema":"s","parameters":{"b":{}},"resources":[{"type":"U","name":"[[parameters('b')]","properties":{"x":1}}]}}}}]}`, "nested resource 0 lacks apiVersion"},
	}
	for _, tt := range tests {
		var tpl map[string]any
		if err := json.Unmarshal([]byte(tt.tpl), &tpl); err != nil {
			t.Fatal(err)
		}
		errs := check(tpl, "")
		switch {
		case tt.want == "" && len(errs) > 0:
			t.Errorf("%s: %v; want no error", tt.tpl, errs)
		case tt.want != "" && (len(errs) == 0 || !strings.Contains(errs[0].Error(), tt.want)):
			t.Errorf("%s: %v; want %q", tt.tpl, errs, tt.want)
		}
	}
}
