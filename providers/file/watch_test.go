package file

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/store/storetest"
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

// A location whose directory is a link sees the link swapped to another
// release: files that exist in both with the same size and time are read
// again (their inodes differ), files only in the new one are added, and
// the old release's entities are dropped, at the next re-scan. Before, the
// re-scan compared size and time only and kept the old release's entity.
func TestASwappedLinkIsFollowed(t *testing.T) {
	s := storetest.SQLite(t)
	dir := t.TempDir()
	r1, r2, cur := filepath.Join(dir, "r1"), filepath.Join(dir, "r2"), filepath.Join(dir, "cur")
	write(t, filepath.Join(r1, "a.yaml"), component("from-r1"))
	write(t, filepath.Join(r2, "a.yaml"), component("from-r2"))
	write(t, filepath.Join(r2, "b.yaml"), component("only-r2"))
	same := time.Now().Add(-time.Hour)
	for _, f := range []string{filepath.Join(r1, "a.yaml"), filepath.Join(r2, "a.yaml")} {
		if err := os.Chtimes(f, same, same); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(r1, cur); err != nil {
		t.Fatal(err)
	}
	p := New(Options{Target: filepath.Join(cur, "*.yaml"), Rescan: 100 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := p.Connect(ctx, connection{c: catalog.New(s, catalog.Options{}), name: p.Name()}); err != nil {
		t.Fatal(err)
	}
	if !present(t, s, "component:default/from-r1") {
		t.Fatal("the first load did not read through the link")
	}
	// As ln -sfn does: a new link renamed over the old one.
	if err := os.Symlink(r2, cur+".new"); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(cur+".new", cur); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the swapped-in release is read", func() bool {
		return present(t, s, "component:default/from-r2") && present(t, s, "component:default/only-r2") &&
			!present(t, s, "component:default/from-r1")
	})
	write(t, filepath.Join(r2, "c.yaml"), component("later-r2"))
	waitFor(t, "a file written in the new release is read", func() bool { return present(t, s, "component:default/later-r2") })
}
