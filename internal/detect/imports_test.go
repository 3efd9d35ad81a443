package detect

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestImportBoundary keeps matching upstream of persistence and the web
// side, and independent of the emulator.
func TestImportBoundary(t *testing.T) {
	checkImports(t, "github.com/honeyvault/honeyvault/internal/detect",
		"github.com/honeyvault/honeyvault/internal/store",
		"github.com/honeyvault/honeyvault/internal/web",
		"github.com/honeyvault/honeyvault/internal/kvemu")
}

func checkImports(t *testing.T, pkg string, forbidden ...string) {
	t.Helper()
	out, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "list", "-deps", pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 5 {
		t.Fatalf("go list -deps %s listed only %q", pkg, deps)
	}
	for _, dep := range deps {
		for _, bad := range forbidden {
			if dep == bad || strings.HasPrefix(dep, bad+"/") {
				t.Errorf("%s imports %s", pkg, dep)
			}
		}
	}
}
