package kvemu

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestImportBoundary keeps the emulator independent of the code it is the
// oracle for: it must not import honeyvault's log parsers, matcher or any
// other honeyvault package, or a bug there could hide in both.
func TestImportBoundary(t *testing.T) {
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	out, err := exec.Command(goBin, "list", "-deps", "-f", "{{.ImportPath}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	const self = "github.com/honeyvault/honeyvault/internal/kvemu"
	for _, dep := range strings.Fields(string(out)) {
		if dep != self && strings.HasPrefix(dep, "github.com/honeyvault/honeyvault/") {
			t.Errorf("kvemu imports %s; it must not import honeyvault packages (notably internal/auditlog and internal/detect)", dep)
		}
	}
}
