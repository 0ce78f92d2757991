package portico_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// patience bounds the waits for what a backend does on its own (serving,
// a first ingest, recovering from a full disk). Each wait ends as soon as
// its condition holds; the bound is only reached when it never does, so it
// is set for the race detector on a loaded two-core machine, where a start
// with migrations and a first ingest take tens of seconds, not for an idle
// one.
const patience = 2 * time.Minute

// writeFile writes content to dir/name and returns the path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
