package file

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// A file written into a new directory between the listing that finds the
// directory and the watch on it (mkdir -p, then write) is neither listed
// nor notified unless listUnder lists again once the watch is on: CI saw
// "new file in a new directory" miss its 2 s this way.
func TestListUnderCatchesAFileWrittenBeforeItsDirectoryIsWatched(t *testing.T) {
	base := t.TempDir()
	p := New(Options{Target: filepath.Join(base, "**", "*.yaml")})
	w, err := newWatcher(p, []string{base})
	if err != nil {
		t.Skipf("no file notifications here: %v", err)
	}
	defer w.close()
	p.w = w
	deeper := filepath.Join(base, "new", "deeper")
	if err := os.MkdirAll(deeper, 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(deeper, "c.yaml")
	written := false
	afterList = func() {
		if !written {
			written = true
			write(t, file, component("mobile"))
		}
	}
	defer func() { afterList = nil }()

	files := p.listUnder(filepath.Join(base, "new"))
	if !slices.Contains(files, file) {
		t.Errorf("listUnder = %v; want it to include %s, written before its directory was watched", files, file)
	}
	if !w.watched[deeper] {
		t.Errorf("%s is not watched", deeper)
	}
}
