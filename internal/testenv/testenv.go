// Package testenv finds or starts the real services that honeyvault's tests
// use (PostgreSQL, Azurite, Chromium, ...). A test asks for a service with the
// package's helpers; when the service cannot be had, the test is skipped on a
// developer's machine but fails when HONEYVAULT_TEST_REQUIRE_ALL=1, which
// .ci/run sets, so CI never passes by skipping.
package testenv

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// RequireAllEnv is the environment variable that turns skips into failures.
const RequireAllEnv = "HONEYVAULT_TEST_REQUIRE_ALL"

// Unavailable skips the test, or fails it when every service is required.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv(RequireAllEnv) == "1" {
		t.Fatalf("required test service unavailable: "+format, args...)
	}
	t.Skipf("test service unavailable: "+format, args...)
}

// RepoRoot returns the repository's top directory (where go.mod is).
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}
