package catalog

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Files are read through symlinks that stay inside the location's root,
// and refused through any (of a file or of a directory on the way) that
// leads out of it, however the root itself is reached; so are the files
// an entity's placeholders name.
func TestTargetsReadFileFollowsSymlinksOnlyInsideTheRoot(t *testing.T) {
	tmp, outside := t.TempDir(), t.TempDir()
	realRoot := filepath.Join(tmp, "real")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(realRoot, "sub"), 0o755))
	must(os.WriteFile(filepath.Join(realRoot, "sub", "a.yaml"), []byte("a"), 0o644))
	must(os.WriteFile(filepath.Join(outside, "secret.yaml"), []byte("secret"), 0o644))
	root := filepath.Join(tmp, "root") // the configured directory is itself a symlink
	must(os.Symlink(realRoot, root))
	must(os.Symlink(filepath.Join(realRoot, "sub", "a.yaml"), filepath.Join(realRoot, "link.yaml")))
	must(os.Symlink(outside, filepath.Join(realRoot, "out")))
	must(os.Symlink(filepath.Join(outside, "secret.yaml"), filepath.Join(realRoot, "sub", "secret.yaml")))

	tr := &Targets{Roots: []string{root}}
	read := func(rel string) (string, error) {
		data, _, err := tr.ReadLocation(context.Background(), LocationSpec{Type: "file", Target: filepath.Join(root, rel)})
		return string(data), err
	}
	for _, rel := range []string{"sub/a.yaml", "link.yaml"} {
		if got, err := read(rel); err != nil || got != "a" {
			t.Errorf("%s: %q, %v; want its content", rel, got, err)
		}
	}
	for _, rel := range []string{"out/secret.yaml", "sub/secret.yaml"} {
		if got, err := read(rel); err == nil || !strings.Contains(err.Error(), "outside") {
			t.Errorf("%s: %q, %v; want refused as outside the root", rel, got, err)
		}
	}
	if _, err := read("sub/missing.yaml"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want fs.ErrNotExist", err)
	}

	// The placeholders of an entity read there are confined to the same
	// root, which Targets resolved once for its reader.
	_, r, err := tr.ReadLocation(context.Background(), LocationSpec{Type: "file", Target: filepath.Join(root, "sub", "a.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	if got, _, err := r.ReadRelative(context.Background(), "../link.yaml"); err != nil || string(got) != "a" {
		t.Errorf("placeholder ../link.yaml: %q, %v; want its content", got, err)
	}
	for _, target := range []string{"../out/secret.yaml", "secret.yaml"} {
		if got, _, err := r.ReadRelative(context.Background(), target); err == nil || !strings.Contains(err.Error(), "outside") {
			t.Errorf("placeholder %s: %q, %v; want refused as outside the root", target, got, err)
		}
	}
}
