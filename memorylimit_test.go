package portico_test

import (
	"runtime/debug"
	"strings"
	"testing"

	"github.com/porticohq/portico"
	"github.com/porticohq/portico/config"
)

// The portico command sets the soft memory limit from backend.memoryLimit
// (a 100,000-API catalog's heap otherwise doubled to ~880 MB during the
// operation search build); a backend started without WithMemoryLimit, as
// a program embedding it, leaves the process's limit alone.
func TestWithMemoryLimitSetsTheConfiguredSoftLimit(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "")
	prev := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })
	cfg := func() *config.Config {
		return config.New(map[string]any{"backend": map[string]any{"memoryLimit": "3GiB"}})
	}

	b, _ := testBackend(t, portico.WithConfig(cfg()))
	start(t, b)
	if got := debug.SetMemoryLimit(-1); got != prev {
		t.Fatalf("without WithMemoryLimit the limit changed to %d", got)
	}

	b, logs := testBackend(t, portico.WithConfig(cfg()), portico.WithMemoryLimit())
	start(t, b)
	if got := debug.SetMemoryLimit(-1); got != 3<<30 {
		t.Errorf("memory limit %d, want 3 GiB", got)
	}
	// The start-up line states the limit and its source, and stays the
	// first line.
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if !strings.Contains(lines[0], `msg="Portico is running"`) ||
		!strings.Contains(lines[0], "memory_limit=3221225472 memory_limit_source=backend.memoryLimit") {
		t.Errorf("the first start-up line does not state the limit and its source:\n%s", logs.String())
	}
}
