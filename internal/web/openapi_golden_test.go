package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// goldenAnswer is one request and answer of testdata/api.golden.
type goldenAnswer struct {
	method, target string
	status         int
	contentType    string
	body           string
}

// readGoldenAnswers parses testdata/api.golden as TestAPIJSONIsStable
// writes it: "== METHOD TARGET BODY", "STATUS CONTENT-TYPE", the answer.
func readGoldenAnswers(t *testing.T) []goldenAnswer {
	t.Helper()
	b, err := os.ReadFile("testdata/api.golden")
	if err != nil {
		t.Fatal(err)
	}
	var out []goldenAnswer
	for _, block := range strings.Split(string(b), "== ")[1:] {
		request, rest, _ := strings.Cut(block, "\n")
		statusLine, body, _ := strings.Cut(rest, "\n")
		method, target, _ := strings.Cut(request, " ")
		target, _, _ = strings.Cut(target, " ")
		code, ctype, _ := strings.Cut(statusLine, " ")
		status, err := strconv.Atoi(code)
		if err != nil {
			t.Fatalf("api.golden: %q: bad status line %q", request, statusLine)
		}
		out = append(out, goldenAnswer{method, target, status, ctype, body})
	}
	if len(out) < 20 {
		t.Fatalf("api.golden: only %d answers; has its layout changed?", len(out))
	}
	return out
}

// TestOpenAPIDescribesTheGoldenAnswers: every answer the server gave in
// testdata/api.golden has its status code among its operation's documented
// responses, and its JSON body fits the schema documented for that status
// and content type: no undocumented field, no required field missing, the
// JSON types right. The route is found as the server finds it, by a
// ServeMux with server.go's patterns.
func TestOpenAPIDescribesTheGoldenAnswers(t *testing.T) {
	var root map[string]any
	b, err := os.ReadFile(openAPIFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &root); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	for _, p := range registeredRoutes(t) {
		mux.Handle(p, http.NotFoundHandler())
	}
	paths, _ := root["paths"].(map[string]any)
	checked := 0
	for _, g := range readGoldenAnswers(t) {
		_, pattern := mux.Handler(httptest.NewRequest(g.method, g.target, nil))
		if pattern == "" {
			continue // the catch-all 404 of /api/, not an operation
		}
		method, path, _ := strings.Cut(openAPIPattern(pattern), " ")
		name := g.method + " " + g.target
		op, _ := lookup(paths, path, strings.ToLower(method)).(map[string]any)
		if op == nil {
			t.Errorf("%s: api/openapi.yaml has no operation %s", name, pattern)
			continue
		}
		resp, ok := resolveRef(root, lookup(op, "responses", strconv.Itoa(g.status))).(map[string]any)
		if !ok {
			t.Errorf("%s: answered %d, which api/openapi.yaml does not document", name, g.status)
			continue
		}
		checked++
		if g.status == http.StatusNoContent {
			continue
		}
		mediaType, _, _ := strings.Cut(g.contentType, ";")
		schema := lookup(resp, "content", mediaType, "schema")
		if schema == nil {
			t.Errorf("%s: answered %d as %s; api/openapi.yaml documents no schema for it", name, g.status, mediaType)
			continue
		}
		bodies := []string{g.body}
		if mediaType == "application/x-ndjson" {
			bodies = strings.Split(strings.TrimSpace(g.body), "\n")
		}
		for _, body := range bodies {
			dec := json.NewDecoder(bytes.NewBufferString(body))
			dec.UseNumber()
			var v any
			if err := dec.Decode(&v); err != nil {
				t.Errorf("%s: body is not JSON: %v", name, err)
				continue
			}
			for _, msg := range fitSchema(root, v, schema, "body") {
				t.Errorf("%s: %s", name, msg)
			}
		}
	}
	if checked < 20 {
		t.Errorf("checked only %d answers of api.golden against the document", checked)
	}
}

// lookup walks a decoded YAML or JSON document by keys; nil when a key is
// missing.
func lookup(node any, keys ...string) any {
	for _, k := range keys {
		m, ok := node.(map[string]any)
		if !ok {
			return nil
		}
		node = m[k]
	}
	return node
}

// resolveRef follows node's $ref within root, if it has one.
func resolveRef(root map[string]any, node any) any {
	for i := 0; i < 10; i++ {
		ref, ok := lookup(node, "$ref").(string)
		if !ok || !strings.HasPrefix(ref, "#/") {
			return node
		}
		node = lookup(root, strings.Split(ref[2:], "/")...)
	}
	return node
}

// fitSchema lists how the JSON value v does not fit schema.
func fitSchema(root map[string]any, v any, schema any, at string) []string {
	s, _ := resolveRef(root, schema).(map[string]any)
	if s == nil {
		return []string{at + ": no schema"}
	}
	var types []string
	switch ty := s["type"].(type) {
	case string:
		types = []string{ty}
	case []any:
		for _, x := range ty {
			types = append(types, fmt.Sprint(x))
		}
	}
	got := jsonType(v)
	if len(types) > 0 && !slices.Contains(types, got) && !(got == "integer" && slices.Contains(types, "number")) {
		return []string{fmt.Sprintf("%s: a JSON %s; the schema says %v", at, got, types)}
	}
	if enum, ok := s["enum"].([]any); ok && got == "string" && !slices.Contains(enum, v) {
		return []string{fmt.Sprintf("%s: %q is not one of %v", at, v, enum)}
	}
	var msgs []string
	switch v := v.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		for k, child := range v {
			if p, ok := props[k]; ok {
				msgs = append(msgs, fitSchema(root, child, p, at+"."+k)...)
			} else if extra, ok := s["additionalProperties"].(map[string]any); ok {
				msgs = append(msgs, fitSchema(root, child, extra, at+"."+k)...)
			} else {
				msgs = append(msgs, fmt.Sprintf("%s: field %q is not in the schema", at, k))
			}
		}
		req, _ := s["required"].([]any)
		for _, r := range req {
			if _, ok := v[r.(string)]; !ok {
				msgs = append(msgs, fmt.Sprintf("%s: required field %q is missing", at, r))
			}
		}
	case []any:
		for i, child := range v {
			msgs = append(msgs, fitSchema(root, child, s["items"], at+"["+strconv.Itoa(i)+"]")...)
		}
	}
	return msgs
}

// jsonType is v's JSON Schema type.
func jsonType(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		if _, err := v.Int64(); err == nil {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}
