// Package armcheck checks, in tests, that bytes are a well-formed ARM
// deployment template: what `az deployment ... validate` would refuse
// before it reached Azure, as far as it can be seen without Azure. It does
// not check resource schemas or API versions against Azure's.
package armcheck

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// refRE finds parameters('x') and variables('x') in a template expression.
var refRE = regexp.MustCompile(`\b(parameters|variables)\(\s*'([^']*)'\s*\)`)

// Template fails t unless b is JSON with $schema, contentVersion and
// resources; every resource (nested templates' too) has a type, an
// apiVersion, a name and properties; every expression ("[...]") names only
// parameters and variables the template declares; and every escaped
// expression ("[[...]", left for Azure Policy to evaluate) names only
// parameters declared by the resource's own properties or by a template
// nested in it.
func Template(t testing.TB, b []byte) map[string]any {
	t.Helper()
	var tpl map[string]any
	if err := json.Unmarshal(b, &tpl); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	for _, err := range check(tpl, "") {
		t.Error(err)
	}
	return tpl
}

func check(tpl map[string]any, where string) []error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(where+format, args...)) }
	for _, k := range []string{"$schema", "contentVersion"} {
		if s, _ := tpl[k].(string); s == "" {
			fail("template lacks %s", k)
		}
	}
	declared := map[string]map[string]any{}
	for _, k := range []string{"parameters", "variables"} {
		declared[k], _ = tpl[k].(map[string]any)
	}
	resources, ok := tpl["resources"].([]any)
	if !ok || len(resources) == 0 {
		fail("template has no resources")
	}
	for i, r := range resources {
		res, ok := r.(map[string]any)
		if !ok {
			fail("resource %d is not an object", i)
			continue
		}
		name, _ := res["name"].(string)
		at := fmt.Sprintf("resource %d (%s): ", i, name)
		for _, k := range []string{"type", "apiVersion", "name"} {
			if s, _ := res[k].(string); s == "" {
				fail(at+"lacks %s", k)
			}
		}
		props, ok := res["properties"].(map[string]any)
		if !ok || len(props) == 0 {
			fail(at + "lacks properties")
			continue
		}
		own := map[string]bool{}
		if p, ok := props["parameters"].(map[string]any); ok {
			for k := range p {
				own[k] = true
			}
		}
		walk(res, func(_ string, nested map[string]any) {
			if nested == nil {
				return
			}
			if p, ok := nested["parameters"].(map[string]any); ok {
				for k := range p {
					own[k] = true
				}
			}
			inner, _ := nested["resources"].([]any)
			for j, r := range inner {
				res, _ := r.(map[string]any)
				for _, k := range []string{"type", "apiVersion", "name"} {
					if s, _ := res[k].(string); s == "" {
						fail(at+"nested resource %d lacks %s", j, k)
					}
				}
				if p, _ := res["properties"].(map[string]any); len(p) == 0 {
					fail(at+"nested resource %d lacks properties", j)
				}
			}
		})
		walk(res, func(s string, nested map[string]any) {
			switch {
			case nested != nil:
			case strings.HasPrefix(s, "[[") && strings.HasSuffix(s, "]"):
				for _, m := range refRE.FindAllStringSubmatch(s, -1) {
					if m[1] == "parameters" && !own[m[2]] {
						fail(at+"escaped expression %s names parameter %q that neither the resource nor its nested template declares", s, m[2])
					}
				}
			case strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]"):
				for _, m := range refRE.FindAllStringSubmatch(s, -1) {
					if _, ok := declared[m[1]][m[2]]; !ok {
						fail(at+"expression %s names undeclared %s %q", s, m[1], m[2])
					}
				}
			}
		})
	}
	return errs
}

// walk calls f with every string under v, and with every nested template
// (an object holding $schema and resources) before its strings.
func walk(v any, f func(s string, nested map[string]any)) {
	switch x := v.(type) {
	case string:
		f(x, nil)
	case []any:
		for _, e := range x {
			walk(e, f)
		}
	case map[string]any:
		if _, ok := x["$schema"]; ok {
			if _, ok := x["resources"]; ok {
				f("", x)
			}
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			walk(x[k], f)
		}
	}
}

// Resources returns the template's resources of a type.
func Resources(tpl map[string]any, typ string) []map[string]any {
	var out []map[string]any
	rs, _ := tpl["resources"].([]any)
	for _, r := range rs {
		if res, ok := r.(map[string]any); ok && strings.EqualFold(fmt.Sprint(res["type"]), typ) {
			out = append(out, res)
		}
	}
	return out
}
