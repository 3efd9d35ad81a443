package web

import (
	"os"
	"testing"

	"github.com/honeyvault/honeyvault/internal/testenv"
)

// TestMain stops the PostgreSQL server a benchmark may have started.
func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }
