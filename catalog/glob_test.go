package catalog

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestGlob(t *testing.T) {
	tests := []struct {
		target, base string
		match        map[string]bool
	}{
		{target: "/c/catalog-info.yaml", base: "/c", match: map[string]bool{"/c/catalog-info.yaml": true, "/c/other.yaml": false}},
		{target: "/c/apis/*.yaml", base: "/c/apis", match: map[string]bool{"/c/apis/a.yaml": true, "/c/apis/x/a.yaml": false, "/c/a.yaml": false}},
		{target: "/c/**/*.yaml", base: "/c", match: map[string]bool{"/c/a.yaml": true, "/c/x/y/a.yaml": true, "/c/a.yml": false, "/c/.#a.yaml": false, "/c/.git/a.yaml": false}},
		{target: "/c/.hidden/*.yaml", base: "/c/.hidden", match: map[string]bool{"/c/.hidden/a.yaml": true}},
		{target: "/c/*/catalog-info.{yaml,yml}", base: "/c", match: map[string]bool{"/c/x/catalog-info.yml": true, "/c/catalog-info.yaml": false}},
	}
	for _, tt := range tests {
		p := ParseGlob(tt.target)
		if p.Base != tt.base {
			t.Errorf("%s: base = %s, want %s", tt.target, p.Base, tt.base)
		}
		for file, want := range tt.match {
			if got := p.Match(file); got != want {
				t.Errorf("%s: match(%s) = %v, want %v", tt.target, file, got, want)
			}
		}
	}
}

// A location whose directory is a symbolic link (a release directory
// swapped in by a link, a mounted volume) lists the files behind it under
// the link's name; before, it listed nothing: filepath.WalkDir does not
// follow a root that is a link.
func TestGlobListsThroughALinkedRoot(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "release-7")
	for _, f := range []string{"a.yaml", "sub/b.yaml", "sub/notes.txt"} {
		p := filepath.Join(real, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("kind: API\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	link := filepath.Join(dir, "current")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	files, dirs, err := ParseGlob(filepath.Join(link, "**", "*.yaml")).List()
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	if diff := cmp.Diff([]string{filepath.Join(link, "a.yaml"), filepath.Join(link, "sub", "b.yaml")}, files); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{link, filepath.Join(link, "sub")}, dirs); diff != "" {
		t.Errorf("watched directories (-want +got):\n%s", diff)
	}
}

// A linked root that leads nowhere is a missing directory, one in a loop
// or leading to a file an error; before, each listed nothing, silently.
func TestGlobSaysWhereALinkedRootFails(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a.yaml")
	if err := os.WriteFile(file, []byte("kind: API\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	links := map[string]string{
		"dangling": filepath.Join(dir, "nowhere"),
		"loop-a":   filepath.Join(dir, "loop-b"),
		"loop-b":   filepath.Join(dir, "loop-a"),
		"to-file":  file,
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"dangling", "loop-a", "to-file"} {
		files, _, err := ParseGlob(filepath.Join(dir, name, "**", "*.yaml")).List()
		switch {
		case err == nil:
			t.Errorf("%s: no error, files %v", name, files)
		case name == "dangling" && !errors.Is(err, fs.ErrNotExist):
			t.Errorf("%s: %v, want a missing directory", name, err)
		}
	}
}
