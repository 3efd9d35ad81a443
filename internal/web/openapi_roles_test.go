package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/honeyvault/honeyvault/internal/auth"
)

// permissionNames are auth's permissions by their Go names, as server.go
// writes them in h.require(auth.NAME, ...).
var permissionNames = map[string]auth.Permission{
	"ReadDecoys": auth.ReadDecoys, "ManageDecoys": auth.ManageDecoys, "ReadIncidents": auth.ReadIncidents,
	"ManageIncidents": auth.ManageIncidents, "WriteRecords": auth.WriteRecords, "ManageSettings": auth.ManageSettings,
	"ManageAccess": auth.ManageAccess, "ReadAudit": auth.ReadAudit, "UseConsole": auth.UseConsole, "ReadMetrics": auth.ReadMetrics,
}

// routePermissions maps each pattern server.go registers through
// h.require to the permission it requires.
func routePermissions(t *testing.T) map[string]auth.Permission {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "server.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]auth.Permission{}
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) != 2 {
			return true
		}
		lit, ok := call.Args[0].(*ast.BasicLit)
		req, ok2 := call.Args[1].(*ast.CallExpr)
		if !ok || !ok2 || len(req.Args) != 2 {
			return true
		}
		if sel, ok := req.Fun.(*ast.SelectorExpr); !ok || sel.Sel.Name != "require" {
			return true
		}
		perm, ok := req.Args[0].(*ast.SelectorExpr)
		if !ok || permissionNames[perm.Sel.Name] == "" {
			t.Errorf("server.go: require with a permission this test does not know: add it to permissionNames")
			return true
		}
		pattern, _ := strconv.Unquote(lit.Value)
		out[openAPIPattern(pattern)] = permissionNames[perm.Sel.Name]
		return true
	})
	return out
}

// TestOpenAPINamesEachOperationsRoles: the description of every operation
// behind h.require opens with "Role: " or "Roles: " and names, before its
// first full stop, exactly the roles that have the route's permission.
func TestOpenAPINamesEachOperationsRoles(t *testing.T) {
	b, err := os.ReadFile(openAPIFile)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Description string `yaml:"description"`
		} `yaml:"paths"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	perms := routePermissions(t)
	if len(perms) < 20 {
		t.Fatalf("found only %d routes behind require in server.go", len(perms))
	}
	for pattern, perm := range perms {
		method, path, _ := strings.Cut(pattern, " ")
		if !strings.HasPrefix(path, "/api/v1/") {
			continue
		}
		op, ok := doc.Paths[path][strings.ToLower(method)]
		if !ok {
			continue // TestOpenAPIMatchesRoutes says so
		}
		var want []string
		for _, r := range auth.Roles {
			if (auth.Principal{Role: r}).Allows(perm) {
				want = append(want, string(r))
			}
		}
		d := op.Description
		if !strings.HasPrefix(d, "Role: ") && !strings.HasPrefix(d, "Roles: ") {
			t.Errorf("%s: the description does not open with Role: or Roles: (want %q)", pattern, want)
			continue
		}
		first, _, _ := strings.Cut(d, ".")
		var got []string
		for _, w := range strings.FieldsFunc(first, func(r rune) bool { return !('a' <= r && r <= 'z') }) {
			if _, err := auth.ParseRole(w); err == nil && !slices.Contains(got, w) {
				got = append(got, w)
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: the description names roles %q; %s is granted to %q", pattern, got, perm, want)
		}
	}
}
