package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/honeyvault/honeyvault/internal/api"
	"github.com/honeyvault/honeyvault/internal/ingest/source"
)

// openAPIFile is the REST API's document, from this package's directory.
const openAPIFile = "../../api/openapi.yaml"

// openAPIDoc is the part of an OpenAPI document the tests compare.
type openAPIDoc struct {
	Paths      map[string]map[string]yaml.Node `yaml:"paths"`
	Components struct {
		Schemas map[string]*openAPISchema `yaml:"schemas"`
	} `yaml:"components"`
}

// openAPISchema is the part of a schema the tests compare. Type is a
// string or a list of them ([array, "null"]).
type openAPISchema struct {
	Ref                  string                    `yaml:"$ref"`
	Type                 any                       `yaml:"type"`
	Format               string                    `yaml:"format"`
	Required             []string                  `yaml:"required"`
	Properties           map[string]*openAPISchema `yaml:"properties"`
	Items                *openAPISchema            `yaml:"items"`
	AdditionalProperties any                       `yaml:"additionalProperties"`
	Enum                 []string                  `yaml:"enum"`
}

// schemaTypes are the Go types the document's component schemas describe,
// by schema name. Every exported struct of package api must be here
// (TestOpenAPICoversEveryWireType).
var schemaTypes = map[string]reflect.Type{
	"Error":                  reflect.TypeFor[api.Error](),
	"Cluster":                reflect.TypeFor[api.Cluster](),
	"ClusterMember":          reflect.TypeFor[api.ClusterMember](),
	"ClusterLease":           reflect.TypeFor[api.ClusterLease](),
	"Honeytoken":             reflect.TypeFor[api.Honeytoken](),
	"HoneytokenList":         reflect.TypeFor[api.HoneytokenList](),
	"Vault":                  reflect.TypeFor[api.Vault](),
	"Coverage":               reflect.TypeFor[api.Coverage](),
	"CoverageCount":          reflect.TypeFor[api.CoverageCount](),
	"SubscriptionCoverage":   reflect.TypeFor[api.SubscriptionCoverage](),
	"VaultList":              reflect.TypeFor[api.VaultList](),
	"VaultDetail":            reflect.TypeFor[api.VaultDetail](),
	"DiscoveryReport":        reflect.TypeFor[api.DiscoveryReport](),
	"ReconcileReport":        reflect.TypeFor[api.ReconcileReport](),
	"ReconcileVault":         reflect.TypeFor[api.ReconcileVault](),
	"ReconcileFinding":       reflect.TypeFor[api.ReconcileFinding](),
	"VaultDiagnostics":       reflect.TypeFor[api.VaultDiagnostics](),
	"DiagnosticsReport":      reflect.TypeFor[api.DiagnosticsReport](),
	"Token":                  reflect.TypeFor[api.Token](),
	"TokenList":              reflect.TypeFor[api.TokenList](),
	"CreateTokenRequest":     reflect.TypeFor[api.CreateTokenRequest](),
	"AuditEntry":             reflect.TypeFor[api.AuditEntry](),
	"AuditList":              reflect.TypeFor[api.AuditList](),
	"Incident":               reflect.TypeFor[api.Incident](),
	"IncidentList":           reflect.TypeFor[api.IncidentList](),
	"IncidentDetail":         reflect.TypeFor[api.IncidentDetail](),
	"Alert":                  reflect.TypeFor[api.Alert](),
	"AlertList":              reflect.TypeFor[api.AlertList](),
	"Caller":                 reflect.TypeFor[api.Caller](),
	"Entities":               reflect.TypeFor[api.Entities](),
	"EntityDecoy":            reflect.TypeFor[api.EntityDecoy](),
	"HistoryEntry":           reflect.TypeFor[api.HistoryEntry](),
	"Related":                reflect.TypeFor[api.Related](),
	"Event":                  reflect.TypeFor[api.Event](),
	"VaultOthers":            reflect.TypeFor[api.VaultOthers](),
	"VaultCaller":            reflect.TypeFor[api.VaultCaller](),
	"CloseRequest":           reflect.TypeFor[api.CloseRequest](),
	"CommentRequest":         reflect.TypeFor[api.CommentRequest](),
	"AssignRequest":          reflect.TypeFor[api.AssignRequest](),
	"ReopenRequest":          reflect.TypeFor[api.ReopenRequest](),
	"IngestStatus":           reflect.TypeFor[api.IngestStatus](),
	"Source":                 reflect.TypeFor[api.Source](),
	"DeadLetter":             reflect.TypeFor[api.DeadLetter](),
	"DeadLetterList":         reflect.TypeFor[api.DeadLetterList](),
	"Channel":                reflect.TypeFor[api.Channel](),
	"ChannelList":            reflect.TypeFor[api.ChannelList](),
	"ChannelTest":            reflect.TypeFor[api.ChannelTest](),
	"AllowRule":              reflect.TypeFor[api.AllowRule](),
	"AllowRuleList":          reflect.TypeFor[api.AllowRuleList](),
	"CreateAllowRuleRequest": reflect.TypeFor[api.CreateAllowRuleRequest](),
	"DeployRequest":          reflect.TypeFor[api.DeployRequest](),
	"RetireRequest":          reflect.TypeFor[api.RetireRequest](),
	"Run":                    reflect.TypeFor[api.Run](),
	"RunVault":               reflect.TypeFor[api.RunVault](),
	"RunDecoy":               reflect.TypeFor[api.RunDecoy](),
	"RunFinding":             reflect.TypeFor[api.RunFinding](),
	"IngestError":            reflect.TypeFor[api.IngestError](),
	"IngestResult":           reflect.TypeFor[api.IngestResult](),
	"IngestRefusal":          reflect.TypeFor[api.IngestRefusal](),
}

// requestSchemas are the bodies the server decodes with unknown fields
// refused: what they require is the handlers' validation, not omitempty.
var requestSchemas = []string{"DeployRequest", "RetireRequest", "CreateTokenRequest", "CloseRequest", "CommentRequest", "AssignRequest", "ReopenRequest", "CreateAllowRuleRequest"}

// untypedSchemas have no Go struct to compare with, and why.
var untypedSchemas = map[string]string{
	"Health":      "health.go answers a map literal",
	"CommentText": "a string with the incident service's bounds",
}

func readOpenAPI(t *testing.T) openAPIDoc {
	t.Helper()
	b, err := os.ReadFile(openAPIFile)
	if err != nil {
		t.Fatal(err)
	}
	var doc openAPIDoc
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", openAPIFile, err)
	}
	return doc
}

// documentedRoute reports whether a route of server.go belongs in the
// document: the REST API and the probes, not the console's pages.
func documentedRoute(path string) bool {
	return strings.HasPrefix(path, "/api/v1/") || path == "/healthz" || path == "/readyz" || path == "/metrics"
}

// registeredRoutes are the "METHOD /path" patterns server.go registers,
// read from its source so that a route cannot be added without the test
// seeing it.
func registeredRoutes(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "server.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var routes []string
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || (sel.Sel.Name != "Handle" && sel.Sel.Name != "HandleFunc") {
			return true
		}
		if x, ok := sel.X.(*ast.Ident); !ok || x.Name != "mux" || len(call.Args) != 2 {
			return true
		}
		lit, ok := call.Args[0].(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			t.Errorf("server.go: a route whose pattern is not a string literal; this test cannot check it")
			return true
		}
		pattern, _ := strconv.Unquote(lit.Value)
		method, path, ok := strings.Cut(pattern, " ")
		if !ok {
			if pattern != "/api/" && documentedRoute(pattern) {
				t.Errorf("server.go: route %q has no method", pattern)
			}
			return true
		}
		if documentedRoute(path) {
			routes = append(routes, method+" "+path)
		}
		return true
	})
	sort.Strings(routes)
	return routes
}

// openAPIPattern is a ServeMux pattern as OpenAPI writes it: a wildcard
// loses its "...", which OpenAPI has no form for.
func openAPIPattern(pattern string) string { return strings.ReplaceAll(pattern, "...}", "}") }

// TestOpenAPIMatchesRoutes: every API route server.go registers is an
// operation of api/openapi.yaml, and every operation there is registered.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc := readOpenAPI(t)
	methods := []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}
	var documented []string
	for path, item := range doc.Paths {
		for key := range item {
			if slices.Contains(methods, key) {
				documented = append(documented, strings.ToUpper(key)+" "+path)
			}
		}
	}
	sort.Strings(documented)
	var registered []string
	for _, r := range registeredRoutes(t) {
		registered = append(registered, openAPIPattern(r))
	}
	if len(registered) < 20 {
		t.Fatalf("found only %d API routes in server.go: %q; has the way routes are registered changed?", len(registered), registered)
	}
	for _, r := range registered {
		if !slices.Contains(documented, r) {
			t.Errorf("server.go registers %q; api/openapi.yaml does not document it", r)
		}
	}
	for _, d := range documented {
		if !slices.Contains(registered, d) {
			t.Errorf("api/openapi.yaml documents %q; server.go does not register it", d)
		}
	}
}

// TestOpenAPICoversEveryWireType: every exported struct of package api has
// a component schema (listed in schemaTypes), and every schema of the
// document is either one of schemaTypes or an untypedSchemas.
func TestOpenAPICoversEveryWireType(t *testing.T) {
	doc := readOpenAPI(t)
	files, err := filepath.Glob(filepath.Join("..", "api", "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files in ../api: %v", err)
	}
	apiPkg := reflect.TypeFor[api.Error]().PkgPath()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, spec := range gd.Specs {
				ts := spec.(*ast.TypeSpec)
				if _, isStruct := ts.Type.(*ast.StructType); !isStruct || !ts.Name.IsExported() {
					continue
				}
				if typ, ok := schemaTypes[ts.Name.Name]; !ok || typ.PkgPath() != apiPkg {
					t.Errorf("api.%s has no entry in schemaTypes: add it and its schema to api/openapi.yaml", ts.Name.Name)
				}
			}
		}
	}
	for name := range schemaTypes {
		if doc.Components.Schemas[name] == nil {
			t.Errorf("api/openapi.yaml has no schema %s", name)
		}
	}
	for name := range doc.Components.Schemas {
		if _, ok := schemaTypes[name]; !ok && untypedSchemas[name] == "" {
			t.Errorf("api/openapi.yaml: schema %s is neither a Go type of schemaTypes nor one of untypedSchemas", name)
		}
	}
}

// jsonField is a struct field as encoding/json writes it.
type jsonField struct {
	name     string
	optional bool // omitempty or omitzero
	typ      reflect.Type
}

// jsonFields lists typ's fields by their JSON names.
func jsonFields(t *testing.T, typ reflect.Type) []jsonField {
	t.Helper()
	var out []jsonField
	for f := range typ.Fields() {
		if !f.IsExported() {
			continue
		}
		if f.Anonymous {
			t.Errorf("%s.%s: embedded fields are not compared; spell the fields out", typ, f.Name)
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		optional := false
		for _, o := range strings.Split(opts, ",") {
			optional = optional || o == "omitempty" || o == "omitzero"
		}
		out = append(out, jsonField{name, optional, f.Type})
	}
	return out
}

// TestOpenAPISchemasMatchWireTypes: each component schema has exactly the
// JSON fields of its Go type, each of the right JSON type ($ref to the
// schema of a nested struct), and an answer's schema requires exactly the
// fields that are never omitted. A request's schema refuses unknown fields,
// as the handlers do.
func TestOpenAPISchemasMatchWireTypes(t *testing.T) {
	doc := readOpenAPI(t)
	schemaOf := map[reflect.Type]string{}
	for name, typ := range schemaTypes {
		schemaOf[typ] = name
	}
	for name, typ := range schemaTypes {
		s := doc.Components.Schemas[name]
		if s == nil {
			continue // TestOpenAPICoversEveryWireType says so
		}
		fields := jsonFields(t, typ)
		var required []string
		for _, f := range fields {
			p, ok := s.Properties[f.name]
			if !ok {
				t.Errorf("schema %s lacks property %q (%s)", name, f.name, typ)
				continue
			}
			if msg := compareType(doc, schemaOf, p, f.typ); msg != "" {
				t.Errorf("schema %s, property %q: %s", name, f.name, msg)
			}
			if !f.optional {
				required = append(required, f.name)
			}
		}
		for prop := range s.Properties {
			if !slices.ContainsFunc(fields, func(f jsonField) bool { return f.name == prop }) {
				t.Errorf("schema %s has property %q, which %s does not have", name, prop, typ)
			}
		}
		if slices.Contains(requestSchemas, name) {
			if s.AdditionalProperties != false {
				t.Errorf("schema %s: the handler refuses unknown fields; say additionalProperties: false", name)
			}
			continue
		}
		got := slices.Sorted(slices.Values(s.Required))
		sort.Strings(required)
		if !slices.Equal(got, required) {
			t.Errorf("schema %s requires %q; %s always writes %q", name, got, typ, required)
		}
	}
}

var refName = regexp.MustCompile(`^#/components/schemas/([A-Za-z]+)$`)

// compareType says how schema s does not describe a value of Go type typ,
// or "".
func compareType(doc openAPIDoc, schemaOf map[reflect.Type]string, s *openAPISchema, typ reflect.Type) string {
	if typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	if s.Ref != "" {
		m := refName.FindStringSubmatch(s.Ref)
		if m == nil || doc.Components.Schemas[m[1]] == nil {
			return "$ref " + s.Ref + " names no schema"
		}
		if want, ok := schemaOf[typ]; ok {
			if m[1] != want {
				return "$ref " + m[1] + "; " + typ.String() + " is schema " + want
			}
			return ""
		}
		return compareType(doc, schemaOf, doc.Components.Schemas[m[1]], typ)
	}
	if typ == reflect.TypeFor[time.Time]() {
		if !hasType(s, "string") || s.Format != "date-time" {
			return "want type string, format date-time"
		}
		return ""
	}
	var want string
	switch typ.Kind() {
	case reflect.String:
		want = "string"
	case reflect.Bool:
		want = "boolean"
	case reflect.Int, reflect.Int32, reflect.Int64:
		want = "integer"
	case reflect.Float32, reflect.Float64:
		want = "number"
	case reflect.Slice:
		if !hasType(s, "array") || s.Items == nil {
			return "want type array with items"
		}
		return compareType(doc, schemaOf, s.Items, typ.Elem())
	case reflect.Map:
		if !hasType(s, "object") {
			return "want type object"
		}
		items, ok := s.AdditionalProperties.(map[string]any)
		if !ok {
			return "want additionalProperties with the values' schema"
		}
		b, _ := yaml.Marshal(items)
		var vs openAPISchema
		if err := yaml.Unmarshal(b, &vs); err != nil {
			return err.Error()
		}
		return compareType(doc, schemaOf, &vs, typ.Elem())
	case reflect.Struct:
		return "want $ref #/components/schemas/" + schemaOf[typ]
	default:
		return "no JSON type known for " + typ.String()
	}
	if !hasType(s, want) {
		return "want type " + want
	}
	return ""
}

// hasType reports whether s's type is want, or a list holding it.
func hasType(s *openAPISchema, want string) bool {
	switch v := s.Type.(type) {
	case string:
		return v == want
	case []any:
		return slices.Contains(v, any(want))
	}
	return false
}

// TestOpenAPIIsWellFormed: every $ref of the document resolves, and every
// operation declares each parameter of its path as a required path
// parameter: what a client generator trips on first.
func TestOpenAPIIsWellFormed(t *testing.T) {
	b, err := os.ReadFile(openAPIFile)
	if err != nil {
		t.Fatal(err)
	}
	var root map[string]any
	if err := yaml.Unmarshal(b, &root); err != nil {
		t.Fatal(err)
	}
	if v, _ := root["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Errorf("openapi: %q; want 3.1.x", v)
	}
	resolve := func(ref string) (map[string]any, bool) {
		if !strings.HasPrefix(ref, "#/") {
			return nil, false
		}
		var node any = root
		for _, key := range strings.Split(ref[2:], "/") {
			m, ok := node.(map[string]any)
			if !ok {
				return nil, false
			}
			node = m[key]
		}
		m, ok := node.(map[string]any)
		return m, ok
	}
	var walk func(node any, at string)
	walk = func(node any, at string) {
		switch v := node.(type) {
		case map[string]any:
			for k, child := range v {
				if ref, ok := child.(string); ok && k == "$ref" {
					if _, ok := resolve(ref); !ok {
						t.Errorf("%s: $ref %q resolves to nothing", at, ref)
					}
				}
				walk(child, at+"/"+k)
			}
		case []any:
			for i, child := range v {
				walk(child, at+"/"+strconv.Itoa(i))
			}
		}
	}
	walk(root, "#")

	wildcard := regexp.MustCompile(`\{([^}]+)\}`)
	paths, _ := root["paths"].(map[string]any)
	for path, item := range paths {
		ops, _ := item.(map[string]any)
		for method, op := range ops {
			declared := map[string]bool{}
			params, _ := op.(map[string]any)["parameters"].([]any)
			for _, p := range params {
				pm, _ := p.(map[string]any)
				if ref, ok := pm["$ref"].(string); ok {
					pm, _ = resolve(ref)
				}
				if pm["in"] == "path" && pm["required"] == true {
					declared[pm["name"].(string)] = true
				}
			}
			for _, m := range wildcard.FindAllStringSubmatch(path, -1) {
				if !declared[m[1]] {
					t.Errorf("%s %s: path parameter %q is not declared (in: path, required: true)", method, path, m[1])
				}
			}
		}
	}
}

// TestOpenAPISourceStatesAreTheRunners: the states the document allows a
// live source are the ones package source's runners report, so that
// neither a fixture nor the document can invent one.
func TestOpenAPISourceStatesAreTheRunners(t *testing.T) {
	doc := readOpenAPI(t)
	got := doc.Components.Schemas["Source"].Properties["state"].Enum
	want := []string{source.StateStarting, source.StateRunning, source.StateBackoff, source.StateStopped, source.StateStandby}
	if !slices.Equal(got, want) {
		t.Errorf("Source.state enum %q; the runners report %q", got, want)
	}
}
